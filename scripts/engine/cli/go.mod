module local.invalid/pulumi-cli

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 v3.248.0
	github.com/pulumi/pulumi/sdk/v3 v3.248.0
)

// pkg/go.mod replaces clipboard with this fork; replaces of dependencies do not apply to
// the main module, so the wrapper has to repeat it (spec pulumi-engine.md §4.1).
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
