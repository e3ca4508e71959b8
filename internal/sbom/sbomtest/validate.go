package sbomtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"

	"github.com/vigil-sec/vigil/internal/testenv"
)

const (
	cdxModule     = "github.com/CycloneDX/cyclonedx-go"
	cdxSchemaURL  = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	spdxSchemaURL = "http://spdx.org/rdf/terms/2.3"
	// SPDXSchemaFile is the SPDX schema's path below the test-data folder.
	SPDXSchemaFile = "schemas/spdx-schema-2.3.json"
)

// ValidateCycloneDX fails t unless data is a CycloneDX 1.6 JSON document
// valid against the official schema that cyclonedx-go ships, and decodes with
// cyclonedx-go. It returns the decoded document.
func ValidateCycloneDX(t testing.TB, data []byte) *cdx.BOM {
	t.Helper()
	dir := CycloneDXSchemaDir(t)
	c := newCompiler()
	// The BOM schema refers to the other two by their $id, relative to its own.
	for _, s := range []struct{ file, url string }{
		{"bom-1.6.schema.json", cdxSchemaURL},
		{"spdx.schema.json", "http://cyclonedx.org/schema/spdx.schema.json"},
		{"jsf-0.82.schemax.json", "http://cyclonedx.org/schema/jsf-0.82.schema.json"},
	} {
		addResource(t, c, filepath.Join(dir, s.file), s.url)
	}
	validate(t, c, cdxSchemaURL, "CycloneDX 1.6", data)

	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("cyclonedx-go cannot decode the document: %v", err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 {
		t.Errorf("specVersion = %v, want 1.6", bom.SpecVersion)
	}
	return &bom
}

// ValidateSPDX fails t unless data is an SPDX 2.3 JSON document valid
// against the official schema, and reads with tools-golang. It returns the
// document as tools-golang reads it.
func ValidateSPDX(t testing.TB, data []byte) *spdx.Document {
	t.Helper()
	file := testenv.TestData(t, SPDXSchemaFile)
	c := newCompiler()
	addResource(t, c, file, spdxSchemaURL)
	validate(t, c, spdxSchemaURL, "SPDX 2.3", data)

	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("tools-golang cannot read the document: %v", err)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("spdxVersion = %q, want SPDX-2.3", doc.SPDXVersion)
	}
	return doc
}

// CycloneDXSchemaDir is the schema folder of the cyclonedx-go module that
// go.mod pins.
func CycloneDXSchemaDir(t testing.TB) string {
	t.Helper()
	goTool := testenv.Tool(t, "go")
	cmd := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", cdxModule)
	cmd.Dir = testenv.RepoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v\n%s", cdxModule, err, stderr.String())
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "schema")
	if _, err := os.Stat(filepath.Join(dir, "bom-1.6.schema.json")); err != nil {
		t.Fatalf("CycloneDX schema not in the module cache: %v (run go mod download %s)", err, cdxModule)
	}
	return dir
}

// offline refuses every URL the compiler was not given: schemas are never fetched.
type offline struct{}

func (offline) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not loaded offline", url)
}

func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.UseLoader(offline{})
	c.AssertFormat()
	return c
}

func addResource(t testing.TB, c *jsonschema.Compiler, file, url string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("open schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("parse schema %s: %v", file, err)
	}
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("add schema %s: %v", file, err)
	}
}

func validate(t testing.TB, c *jsonschema.Compiler, url, what string, data []byte) {
	t.Helper()
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile the %s schema: %v", what, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("document is not valid %s: %v", what, err)
	}
}
