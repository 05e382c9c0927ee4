// Command pulumi-resource-command is radl-pulumi's own build of the Pulumi command provider:
// the resources `command:local:Command`, `command:remote:Command` and
// `command:remote:CopyToRemote` with the inputs and outputs of @pulumi/command 1.2.1, served
// over the provider gRPC protocol. It exists because the upstream provider module is not served
// by the Go module proxy these machines reach; it is written from the public SDK contract, on
// top of the pulumi/pkg provider helpers only.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Version is stamped by the setup script with -ldflags; it must equal the version the npm SDK
// asks for (its package.json `pulumi.version`).
var Version = "1.2.1"

func main() {
	go exitWithParent()
	err := provider.Main("command", func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newCommandProvider(host, Version), nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// exitWithParent ends the provider when the engine that started it is gone (killed with
// SIGKILL, say): the engine starts providers in their own process group, so killing the
// engine's group would otherwise leave the provider and its running command behind.
func exitWithParent() {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			killRunningCommands()
			os.Exit(1)
		}
	}
}
