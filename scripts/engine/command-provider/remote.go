package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// connection is the `connection` input of the remote resources (and of its `proxy`).
type connection struct {
	host, user, password, privateKey, privateKeyPassword, agentSocketPath string
	port, dialErrorLimit                                                  int
	perDialTimeout                                                        time.Duration
	proxy                                                                 *connection
}

func parseConnection(v any) (*connection, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("connection must be an object")
	}
	c := &connection{
		host:               stringOf(m["host"]),
		user:               stringOf(m["user"]),
		password:           stringOf(m["password"]),
		privateKey:         stringOf(m["privateKey"]),
		privateKeyPassword: stringOf(m["privateKeyPassword"]),
		agentSocketPath:    stringOf(m["agentSocketPath"]),
		port:               intOf(m["port"], 22),
		dialErrorLimit:     intOf(m["dialErrorLimit"], 10),
		perDialTimeout:     time.Duration(intOf(m["perDialTimeout"], 15)) * time.Second,
	}
	if c.host == "" {
		return nil, fmt.Errorf("connection.host is required")
	}
	if c.user == "" {
		c.user = "root"
	}
	if p, ok := m["proxy"]; ok && p != nil {
		proxy, err := parseConnection(p)
		if err != nil {
			return nil, fmt.Errorf("connection.proxy: %w", err)
		}
		c.proxy = proxy
	}
	return c, nil
}

func intOf(v any, fallback int) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case string:
		if i, err := strconv.Atoi(n); err == nil {
			return i
		}
	}
	return fallback
}

func (c *connection) clientConfig() (*ssh.ClientConfig, error) {
	var auths []ssh.AuthMethod
	if c.privateKey != "" {
		var signer ssh.Signer
		var err error
		if c.privateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.privateKey), []byte(c.privateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.privateKey))
		}
		if err != nil {
			return nil, fmt.Errorf("connection.privateKey: %w", err)
		}
		auths = append(auths, ssh.PublicKeys(signer))
	}
	if c.password != "" {
		auths = append(auths, ssh.Password(c.password))
		auths = append(auths, ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
			answers := make([]string, len(questions))
			for i := range answers {
				answers[i] = c.password
			}
			return answers, nil
		}))
	}
	socket := c.agentSocketPath
	if socket == "" {
		socket = os.Getenv("SSH_AUTH_SOCK")
	}
	if socket != "" {
		if conn, err := net.Dial("unix", socket); err == nil {
			auths = append(auths, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		}
	}
	return &ssh.ClientConfig{
		User:            c.user,
		Auth:            auths,
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // hosts are new VMs: no known key to pin
		Timeout:         c.perDialTimeout,
	}, nil
}

func (c *connection) address() string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.port))
}

// dial connects (through the proxy when there is one), retrying up to dialErrorLimit times
// (a negative limit retries until the context ends): new VMs take a while to accept SSH.
func (c *connection) dial(ctx context.Context) (*ssh.Client, error) {
	config, err := c.clientConfig()
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 1; c.dialErrorLimit < 0 || attempt <= c.dialErrorLimit; attempt++ {
		client, err := c.dialOnce(ctx, config)
		if err == nil {
			return client, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(min(attempt, 5)) * time.Second):
		}
	}
	return nil, fmt.Errorf("ssh to %s failed after %d attempts: %w", c.address(), c.dialErrorLimit, last)
}

func (c *connection) dialOnce(ctx context.Context, config *ssh.ClientConfig) (*ssh.Client, error) {
	if c.proxy == nil {
		dialer := net.Dialer{Timeout: c.perDialTimeout}
		conn, err := dialer.DialContext(ctx, "tcp", c.address())
		if err != nil {
			return nil, err
		}
		sshConn, chans, reqs, err := ssh.NewClientConn(conn, c.address(), config)
		if err != nil {
			conn.Close()
			return nil, err
		}
		return ssh.NewClient(sshConn, chans, reqs), nil
	}
	proxyClient, err := c.proxy.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", c.proxy.address(), err)
	}
	conn, err := proxyClient.Dial("tcp", c.address())
	if err != nil {
		proxyClient.Close()
		return nil, err
	}
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, c.address(), config)
	if err != nil {
		proxyClient.Close()
		return nil, err
	}
	return ssh.NewClient(sshConn, chans, reqs), nil
}

// runSession runs one command in a new session; a cancelled context closes the connection.
func runSession(ctx context.Context, client *ssh.Client, script string, env []string, stdin io.Reader) (runResult, error) {
	session, err := client.NewSession()
	if err != nil {
		return runResult{}, err
	}
	defer session.Close()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		_ = session.Setenv(k, v) // servers without AcceptEnv refuse; the command still runs
	}
	var stdout, stderr, both bytes.Buffer
	session.Stdout = &teeWriter{&stdout, &both}
	session.Stderr = &teeWriter{&stderr, &both}
	if stdin != nil {
		session.Stdin = stdin
	}
	stop := context.AfterFunc(ctx, func() {
		_ = session.Signal(ssh.SIGKILL)
		client.Close()
	})
	defer stop()
	if err := session.Run(script); err != nil {
		if ctx.Err() != nil {
			return runResult{}, fmt.Errorf("cancelled: running %q: %w", script, ctx.Err())
		}
		return runResult{}, fmt.Errorf("%w: running %q:\n%s", err, script, both.String())
	}
	return runResult{stdout: strings.TrimSuffix(stdout.String(), "\n"), stderr: strings.TrimSuffix(stderr.String(), "\n")}, nil
}

func runRemote(ctx context.Context, script string, in map[string]any, prev previousOutput) (runResult, error) {
	conn, err := parseConnection(in["connection"])
	if err != nil {
		return runResult{}, err
	}
	client, err := conn.dial(ctx)
	if err != nil {
		return runResult{}, err
	}
	defer client.Close()
	var stdin io.Reader
	if s := stringOf(in["stdin"]); s != "" {
		stdin = strings.NewReader(s)
	}
	return runSession(ctx, client, script, environment(in, prev), stdin)
}

// copyAssetToRemote copies `source` (an asset or an archive) to `remotePath`: an asset becomes
// that file; an archive (or a directory) is unpacked under that directory. It streams a tar
// archive to `tar -x` on the host, so the host needs only a shell and tar.
func copyAssetToRemote(ctx context.Context, inputs resource.PropertyMap) error {
	in := plainInputs(inputs)
	conn, err := parseConnection(in["connection"])
	if err != nil {
		return err
	}
	remotePath := stringOf(in["remotePath"])
	if remotePath == "" {
		return fmt.Errorf("remotePath is required")
	}
	source := inputs["source"]
	if source.IsSecret() {
		source = source.SecretValue().Element
	}
	var payload bytes.Buffer
	tw := tar.NewWriter(&payload)
	var script string
	switch {
	case source.IsAsset():
		data, err := assetBytes(source.AssetValue())
		if err != nil {
			return err
		}
		if err := addTarFile(tw, path.Base(remotePath), data, 0o644); err != nil {
			return err
		}
		dir := path.Dir(remotePath)
		script = fmt.Sprintf("mkdir -p %s && tar -x -o -C %s", shellQuote(dir), shellQuote(dir))
	case source.IsArchive():
		contents, err := source.ArchiveValue().Bytes(resource.TarArchive)
		if err != nil {
			return fmt.Errorf("reading source archive: %w", err)
		}
		payload.Reset()
		payload.Write(contents)
		script = fmt.Sprintf("mkdir -p %s && tar -x -o -C %s", shellQuote(remotePath), shellQuote(remotePath))
	default:
		return fmt.Errorf("source must be an asset or an archive")
	}
	if source.IsAsset() {
		if err := tw.Close(); err != nil {
			return err
		}
	}
	client, err := conn.dial(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	_, err = runSession(ctx, client, script, nil, &payload)
	return err
}

func assetBytes(a *resource.Asset) ([]byte, error) {
	switch {
	case a.IsText():
		return []byte(a.Text), nil
	case a.IsPath():
		return os.ReadFile(filepath.Clean(a.Path))
	default:
		blob, err := a.Read()
		if err != nil {
			return nil, err
		}
		defer blob.Close()
		return io.ReadAll(blob)
	}
}

func addTarFile(tw *tar.Writer, name string, data []byte, mode int64) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: time.Now()}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
