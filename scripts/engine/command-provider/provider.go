package main

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	localCommand  = "command:local:Command"
	remoteCommand = "command:remote:Command"
	copyToRemote  = "command:remote:CopyToRemote"
)

// Inputs whose change replaces the resource instead of updating it.
var replaceOnChange = map[string][]string{
	localCommand:  {"triggers"},
	remoteCommand: {"triggers"},
	copyToRemote:  {"triggers", "remotePath", "source"},
}

// Outputs computed by the provider (absent from the inputs).
var computedOutputs = map[string][]string{
	localCommand:  {"stdout", "stderr"},
	remoteCommand: {"stdout", "stderr"},
	copyToRemote:  {},
}

type commandProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	host    *provider.HostClient
	version string

	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
}

func newCommandProvider(host *provider.HostClient, version string) *commandProvider {
	ctx, cancel := context.WithCancel(context.Background())
	return &commandProvider{host: host, version: version, ctx: ctx, cancel: cancel}
}

// operationContext ends when the gRPC call ends or when the engine asks the provider to cancel.
func (p *commandProvider) operationContext(call context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(call)
	stop := context.AfterFunc(p.ctx, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

var unmarshalOptions = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true, KeepResources: true}
var marshalOptions = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, unmarshalOptions)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOptions)
}

func checkType(urn string) (string, error) {
	t := string(resource.URN(urn).Type())
	if _, ok := replaceOnChange[t]; !ok {
		return "", fmt.Errorf("unknown resource type %q", t)
	}
	return t, nil
}

func (p *commandProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *commandProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"command","version":%q}`, p.version)}, nil
}

func (p *commandProvider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *commandProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *commandProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *commandProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *commandProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	t, err := checkType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	if t == copyToRemote {
		for _, key := range []resource.PropertyKey{"connection", "source", "remotePath"} {
			if _, ok := news[key]; !ok {
				failures = append(failures, &pulumirpc.CheckFailure{Property: string(key), Reason: "missing required property " + string(key)})
			}
		}
	}
	if t == remoteCommand {
		if _, ok := news["connection"]; !ok {
			failures = append(failures, &pulumirpc.CheckFailure{Property: "connection", Reason: "missing required property connection"})
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

// Diff compares the old inputs with the new ones: any difference is an update, except the
// replace-on-change inputs. Unknown new values count as changes.
func (p *commandProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	t, err := checkType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() == nil {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
		for _, k := range computedOutputs[t] {
			delete(olds, resource.PropertyKey(k))
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	changed := map[string]bool{}
	for k, v := range news {
		if old, ok := olds[k]; !ok || !old.DeepEquals(v) || v.ContainsUnknowns() {
			changed[string(k)] = true
		}
	}
	for k := range olds {
		if _, ok := news[k]; !ok {
			changed[string(k)] = true
		}
	}
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, DetailedDiff: map[string]*pulumirpc.PropertyDiff{}, HasDetailedDiff: true}
	for k := range changed {
		resp.Diffs = append(resp.Diffs, k)
		kind := pulumirpc.PropertyDiff_UPDATE
		if _, had := olds[resource.PropertyKey(k)]; !had {
			kind = pulumirpc.PropertyDiff_ADD
		} else if _, has := news[resource.PropertyKey(k)]; !has {
			kind = pulumirpc.PropertyDiff_DELETE
		}
		for _, r := range replaceOnChange[t] {
			if r == k {
				resp.Replaces = append(resp.Replaces, k)
				kind += 1 // the *_REPLACE variant follows each kind in the enum
			}
		}
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Strings(resp.Diffs)
	sort.Strings(resp.Replaces)
	return resp, nil
}

func (p *commandProvider) Create(call context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	t, err := checkType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	name := resource.URN(req.GetUrn()).Name()
	id, err := resource.NewUniqueHex(name, 8, 0)
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		outputs := previewOutputs(t, inputs)
		props, err := marshal(outputs)
		return &pulumirpc.CreateResponse{Properties: props}, err
	}
	ctx, done := p.operationContext(call)
	defer done()
	outputs, err := p.apply(ctx, t, "create", inputs, nil)
	if err != nil {
		return nil, err
	}
	props, err := marshal(outputs)
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, err
}

func (p *commandProvider) Update(call context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	t, err := checkType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		props, err := marshal(previewOutputs(t, news))
		return &pulumirpc.UpdateResponse{Properties: props}, err
	}
	ctx, done := p.operationContext(call)
	defer done()
	outputs, err := p.apply(ctx, t, "update", news, olds)
	if err != nil {
		return nil, err
	}
	props, err := marshal(outputs)
	return &pulumirpc.UpdateResponse{Properties: props}, err
}

func (p *commandProvider) Delete(call context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	t, err := checkType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if t == copyToRemote {
		return &emptypb.Empty{}, nil // like upstream: copied files stay on the host
	}
	ctx, done := p.operationContext(call)
	defer done()
	if _, err := p.apply(ctx, t, "delete", olds, olds); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read returns the recorded state: commands have no remote object to read back.
func (p *commandProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *commandProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancel()
	return &emptypb.Empty{}, nil
}

// previewOutputs are the inputs plus unknown computed outputs.
func previewOutputs(t string, inputs resource.PropertyMap) resource.PropertyMap {
	outputs := inputs.Copy()
	for _, k := range computedOutputs[t] {
		outputs[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
	}
	return outputs
}

// apply runs the command of `phase` (create, update, delete) for a resource and returns its
// new state: the inputs, plus stdout and stderr (secret when any input is secret).
func (p *commandProvider) apply(ctx context.Context, t, phase string, inputs, olds resource.PropertyMap) (resource.PropertyMap, error) {
	in := plainInputs(inputs)
	prev := previousOutput{}
	if olds != nil {
		prev.stdout = stringOf(olds.Mappable()["stdout"])
		prev.stderr = stringOf(olds.Mappable()["stderr"])
	}
	outputs := inputs.Copy()
	if t == copyToRemote {
		if phase == "delete" {
			return outputs, nil
		}
		if err := copyAssetToRemote(ctx, inputs); err != nil {
			return nil, err
		}
		return outputs, nil
	}
	script := commandFor(in, phase)
	if script == "" {
		if phase == "update" && olds != nil {
			outputs["stdout"] = olds["stdout"]
			outputs["stderr"] = olds["stderr"]
		}
		return withSecretOutputs(outputs, inputs), nil
	}
	var res runResult
	var err error
	if t == localCommand {
		res, err = runLocal(ctx, script, in, prev)
	} else {
		res, err = runRemote(ctx, script, in, prev)
	}
	if err != nil {
		return nil, err
	}
	outputs["stdout"] = resource.NewStringProperty(res.stdout)
	outputs["stderr"] = resource.NewStringProperty(res.stderr)
	return withSecretOutputs(outputs, inputs), nil
}

func commandFor(in map[string]any, phase string) string {
	switch phase {
	case "create":
		return stringOf(in["create"])
	case "update":
		if u := stringOf(in["update"]); u != "" {
			return u
		}
		return stringOf(in["create"])
	default:
		return stringOf(in["delete"])
	}
}

// Every output depends on every input: a secret input makes stdout and stderr secret.
func withSecretOutputs(outputs, inputs resource.PropertyMap) resource.PropertyMap {
	if !inputs.ContainsSecrets() {
		return outputs
	}
	for _, k := range []resource.PropertyKey{"stdout", "stderr"} {
		if v, ok := outputs[k]; ok && !v.IsSecret() {
			outputs[k] = resource.MakeSecret(v)
		}
	}
	return outputs
}

// plainInputs is the inputs with secrets revealed, as plain Go values.
func plainInputs(inputs resource.PropertyMap) map[string]any {
	return inputs.MapRepl(nil, reveal)
}

func reveal(v resource.PropertyValue) (any, bool) {
	if v.IsSecret() {
		return v.SecretValue().Element.MapRepl(nil, reveal), true
	}
	if v.IsAsset() || v.IsArchive() {
		return v, true
	}
	return nil, false
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

type previousOutput struct{ stdout, stderr string }

type runResult struct{ stdout, stderr string }
