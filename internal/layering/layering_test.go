package layering

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/kgas-dev/kgas"

// allowed lists, for each package (by path below the module), the kgas
// packages it may import; a package not listed may import any (examples,
// tools). "internal/*" helpers are allowed everywhere.
var allowed = map[string][]string{
	"tool":                    {},
	"apiclient":               {},
	"registry":                {"tool"},
	"llm":                     {"apiclient"},
	"llm/openai":              {"llm", "apiclient"},
	"llm/watsonx":             {"llm", "apiclient"},
	"llm/lexical":             {"llm"},
	"llm/langchainllm":        {"llm", "apiclient"},
	"llm/llmtest":             {},
	"astra":                   {"apiclient"},
	"astra/astratest":         {},
	"graphrag/kg":             {},
	"graphrag/flow":           {},
	"graphrag/traverse":       {"graphrag/kg"},
	"graphrag/kg/kgtest":      {"graphrag/kg", "graphrag/traverse"},
	"graphrag/extract":        {"graphrag/kg", "llm", "apiclient"},
	"graphrag/local":          {"graphrag/kg", "graphrag/local/vecindex"},
	"graphrag/local/vecindex": {},
	"graphrag/astrastore":     {"graphrag/kg", "astra", "apiclient"},
	"graphrag":                {"graphrag/kg", "graphrag/flow", "graphrag/extract", "llm", "apiclient"},
	"agent":                   {"llm", "tool", "registry", "apiclient"},
	"agent/mcp":               {"tool", "registry"},
	"tool/langchaintool":      {"tool"},
	"tool/openaitool":         {"tool"},
}

// TestImportDirections lists every package's imports with go list and
// checks them against allowed, that nothing outside examples imports
// examples, and that only examples, *test packages and their commands
// import a *test package (tests are not listed by go list -f .Imports).
func TestImportDirections(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, module+"/")
			if strings.HasPrefix(dep, "internal/") {
				continue
			}
			inExamples := strings.HasPrefix(pkg, "examples")
			assert.False(t, strings.HasPrefix(dep, "examples") && !inExamples, "%s imports %s: nothing outside examples imports them", pkg, dep)
			if strings.HasSuffix(dep, "test") && !inExamples && !strings.HasPrefix(pkg, dep) && !strings.HasSuffix(pkg, "test") {
				t.Errorf("%s imports the test package %s", pkg, dep)
			}
			list, ok := allowed[pkg]
			if !ok {
				continue
			}
			seen++
			ok = false
			for _, a := range list {
				ok = ok || a == dep
			}
			assert.True(t, ok, "%s may not import %s (allowed: %v)", pkg, dep, list)
		}
	}
	require.NoError(t, sc.Err())
	assert.Positive(t, seen, "no kgas import checked: is the module path right?")
}
