package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunOffline(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, ""))
	assert.Equal(t, `model: offline llmtest simulator (set OPENAI_API_KEY for OpenAI)
question: It is 72°F in Austin. What is that in Celsius?
tool call: fahrenheit_to_celsius({"fahrenheit":72}) -> {"celsius":22.2}
answer: 72°F is about 22.2°C.
kgas client: 2 requests, 2 attempts, 0 retries
`, out.String())
}

func TestToCelsius(t *testing.T) {
	for _, tc := range []struct{ f, c float64 }{{32, 0}, {212, 100}, {-40, -40}, {72, 22.2}, {98.6, 37}} {
		got, err := toCelsius(context.Background(), ConvertIn{Fahrenheit: tc.f})
		require.NoError(t, err)
		assert.Equal(t, tc.c, got.Celsius, "%v°F", tc.f)
	}
}
