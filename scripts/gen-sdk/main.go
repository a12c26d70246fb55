// gen-sdk writes the Python, Node.js and Go SDKs of a Pulumi package schema, and
// the Python program of an imported resource.
//
// `pulumi package gen-sdk --language python` hands the generation to the
// language host, and this project's Python host (scripts/langhost) does not
// generate SDKs; the generators themselves are Go packages of the same
// pulumi/pulumi module the CLI is built from, so this calls them directly. The
// host does hand `pulumi import`'s program generation to this tool (program.go).
//
//	gen-sdk <schema.json> <out-dir> python|nodejs|go...
//	gen-sdk program [--strict] <loader-target> < pcl-files.json
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodegen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/blang/semver"
)

// noPackages refuses every other package: the schema references none.
type noPackages struct{}

func (noPackages) refuse(name string) error {
	return fmt.Errorf("the schema references package %q; it may reference none", name)
}

func (l noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.refuse(pkg)
}

func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.refuse(d.Name)
}

func (l noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.refuse(pkg)
}

func (l noPackages) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, l.refuse(d.Name)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "program" {
		os.Exit(programMain(os.Args[2:]))
	}
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk <schema.json> <out-dir> python|nodejs|go...")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk:", err)
		os.Exit(1)
	}
}

func run(schemaPath, outDir string, languages []string) error {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	for _, language := range languages {
		var files map[string][]byte
		switch language {
		case "python":
			files, err = pygen.GeneratePackage("quickbooks-gen-sdk", pkg, nil, noPackages{})
		case "nodejs":
			files, err = nodegen.GeneratePackage("quickbooks-gen-sdk", pkg, nil, nil, false, noPackages{})
		case "go":
			files, err = gogen.GeneratePackage("quickbooks-gen-sdk", pkg, nil)
		default:
			err = fmt.Errorf("unknown language %q (python, nodejs, go)", language)
		}
		if err != nil {
			return err
		}
		dir := filepath.Join(outDir, language)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		for name, content := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
