// The program mode: what `pulumi import` (and `pulumi state promote`) ask of the
// language host's GenerateProgram, for this project's Python host, which hands it
// to this tool:
//
//	gen-sdk program [--strict] <loader-target> < {"file.pp": "PCL text", ...}
//
// The PCL is bound against the package schemas the engine serves at loader-target
// (its schema loader, over gRPC: the engine loads the provider's schema), then
// turned into Python by the CLI's own program generator. stdout is the protobuf
// JSON of a GenerateProgramResponse (generated files and diagnostics), written
// whenever the program got as far as binding; the diagnostics also go to stderr as
// text. Exit 0: generated; 1: the response carries errors; 2: no response
// (unreadable input, no loader, a generator failure), the reason on stderr.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/pulumi/pulumi/pkg/v3/codegen/hcl2/syntax"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	codegenrpc "github.com/pulumi/pulumi/sdk/v3/proto/go/codegen"
)

func programMain(args []string) int {
	strict := len(args) > 0 && args[0] == "--strict"
	if strict {
		args = args[1:]
	}
	if len(args) != 1 || args[0] == "" {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk program [--strict] <loader-target> < pcl-files.json")
		return 2
	}
	var sources map[string]string
	if err := json.NewDecoder(os.Stdin).Decode(&sources); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk program: stdin is not a JSON object of PCL file texts:", err)
		return 2
	}
	resp, err := generateProgram(sources, args[0], strict)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk program:", err)
		return 2
	}
	out, err := protojson.Marshal(resp.response())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk program:", err)
		return 2
	}
	if _, err := os.Stdout.Write(out); err != nil {
		return 2
	}
	for _, d := range resp.diags {
		fmt.Fprintln(os.Stderr, d.Error())
	}
	if resp.diags.HasErrors() {
		return 1
	}
	return 0
}

type generated struct {
	files map[string][]byte
	diags hcl.Diagnostics
}

func generateProgram(sources map[string]string, loaderTarget string, strict bool) (*generated, error) {
	// The binder reports in file order: sorted, so the same input gives the same output.
	names := make([]string, 0, len(sources))
	for name := range sources {
		names = append(names, name)
	}
	sort.Strings(names)
	parser := syntax.NewParser()
	for _, name := range names {
		if err := parser.ParseFile(strings.NewReader(sources[name]), name); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if parser.Diagnostics.HasErrors() {
		return &generated{diags: parser.Diagnostics}, nil
	}

	client, err := schema.NewLoaderClient(loaderTarget)
	if err != nil {
		return nil, fmt.Errorf("the engine's schema loader at %s: %w", loaderTarget, err)
	}
	defer client.Close()
	// Import binds leniently (strict=false from the engine): the generated code may
	// name a parent or provider that the PCL does not declare.
	options := []pcl.BindOption{pcl.PreferOutputVersionedInvokes}
	if !strict {
		options = append(options, pcl.NonStrictBindOptions()...)
	}
	program, diags, err := pcl.BindProgram(parser.Files, schema.NewCachedLoader(client), options...)
	diags = append(parser.Diagnostics, diags...)
	if err != nil && !diags.HasErrors() { // with errors, err is the diagnostics themselves
		return nil, err
	}
	if diags.HasErrors() || program == nil {
		return &generated{diags: diags}, nil
	}
	files, genDiags, err := pygen.GenerateProgram(program)
	if err != nil {
		return nil, err
	}
	return &generated{files: files, diags: append(diags, genDiags...)}, nil
}

func (g *generated) response() *pulumirpc.GenerateProgramResponse {
	resp := &pulumirpc.GenerateProgramResponse{Source: g.files}
	for _, d := range g.diags {
		resp.Diagnostics = append(resp.Diagnostics, &codegenrpc.Diagnostic{
			Severity: codegenrpc.DiagnosticSeverity(d.Severity), // the same numbering as hcl's
			Summary:  d.Summary,
			Detail:   d.Detail,
			Subject:  rpcRange(d.Subject),
			Context:  rpcRange(d.Context),
		})
	}
	return resp
}

func rpcRange(r *hcl.Range) *codegenrpc.Range {
	if r == nil {
		return nil
	}
	pos := func(p hcl.Pos) *codegenrpc.Pos {
		return &codegenrpc.Pos{Line: int64(p.Line), Column: int64(p.Column), Byte: int64(p.Byte)}
	}
	return &codegenrpc.Range{Filename: r.Filename, Start: pos(r.Start), End: pos(r.End)}
}
