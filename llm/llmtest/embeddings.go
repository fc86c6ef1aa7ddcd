package llmtest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

const (
	maxEmbeddingInputs = 2048
	maxEmbeddingTokens = 300000
	maxEmbeddingDims   = 16384
)

type embRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	Dimensions     *int            `json:"dimensions"`
	EncodingFormat string          `json:"encoding_format"`

	texts  []string // text inputs
	tokens [][]int  // token-array inputs (texts is nil then)
	dims   int
	cost   int
}

// parseEmbeddings decodes and validates an embeddings request. Its token
// estimate is Σ ceil(bytes/4) over text inputs, or the number of tokens for
// token-array inputs.
func parseEmbeddings(body []byte, defDims int) (*embRequest, *ErrorReply) {
	req := &embRequest{}
	if e := decodeJSON(body, req); e != nil {
		return nil, e
	}
	if req.Model == "" {
		e := invalidRequest("model", "you must provide a model parameter")
		return nil, &e
	}
	in := bytes.TrimSpace(req.Input)
	bad := func(msg string) (*embRequest, *ErrorReply) {
		e := invalidRequest("input", msg)
		return nil, &e
	}
	switch {
	case len(in) == 0 || in[0] == 'n':
		return bad("'input' is a required property")
	case in[0] == '"':
		var s string
		if json.Unmarshal(in, &s) != nil {
			return bad("Invalid type for 'input': expected a string or an array.")
		}
		req.texts = []string{s}
	case in[0] == '[':
		if json.Unmarshal(in, &req.texts) != nil {
			req.texts = nil
			var one []int
			if json.Unmarshal(in, &one) == nil {
				req.tokens = [][]int{one}
			} else if json.Unmarshal(in, &req.tokens) != nil {
				return bad("Invalid type for 'input': expected a string, an array of strings, or token arrays.")
			}
		}
	default:
		return bad("Invalid type for 'input': expected a string or an array.")
	}
	n := max(len(req.texts), len(req.tokens))
	if n == 0 {
		return bad("'input' must not be empty")
	}
	if n > maxEmbeddingInputs {
		return bad(fmt.Sprintf("'input' has %d items; at most %d are allowed", n, maxEmbeddingInputs))
	}
	for i, t := range req.texts {
		if t == "" {
			return bad(fmt.Sprintf("'input[%d]' must not be an empty string", i))
		}
		req.cost += ceilDiv4(len(t))
	}
	for i, t := range req.tokens {
		if len(t) == 0 {
			return bad(fmt.Sprintf("'input[%d]' must not be empty", i))
		}
		req.cost += len(t)
	}
	if req.cost > maxEmbeddingTokens {
		return bad(fmt.Sprintf("Requested %d tokens, max %d tokens per request", req.cost, maxEmbeddingTokens))
	}
	req.dims = defDims
	if req.Model == "text-embedding-3-large" {
		req.dims = 3072
	}
	if req.Dimensions != nil {
		if *req.Dimensions < 1 || *req.Dimensions > maxEmbeddingDims {
			e := invalidRequest("dimensions", fmt.Sprintf("Invalid 'dimensions': %d is not between 1 and %d.", *req.Dimensions, maxEmbeddingDims))
			return nil, &e
		}
		req.dims = *req.Dimensions
	}
	switch req.EncodingFormat {
	case "", "float", "base64":
	default:
		e := invalidRequest("encoding_format", fmt.Sprintf("Invalid value: '%s'. Supported values are: 'float' and 'base64'.", req.EncodingFormat))
		return nil, &e
	}
	return req, nil
}

// inputHash identifies input i independently of the batch it is in.
func (req *embRequest) inputHash(seed uint64, i int) uint64 {
	var h uint64
	if req.texts != nil {
		h = hashString(fnvOffset, req.texts[i])
	} else {
		h = fnvOffset ^ 0x5bd1e995 // token arrays never collide with texts by construction of the salt
		var b [8]byte
		for _, t := range req.tokens[i] {
			binary.LittleEndian.PutUint64(b[:], uint64(t))
			h = hashBytes(h, b[:])
		}
	}
	return mix2(mix2(seed, h), uint64(req.dims))
}

// vector fills v with a unit-norm vector seeded by h.
func vector(v []float32, h uint64) {
	r := rng{s: h}
	var sum float64
	for i := range v {
		x := unit(r.next())*2 - 1
		v[i] = float32(x)
		sum += x * x
	}
	norm := 1 / math.Sqrt(sum)
	for i := range v {
		v[i] = float32(float64(v[i]) * norm)
	}
}

// embeddingsBody renders the response, appended to b.
func (req *embRequest) body(b []byte, seed uint64) []byte {
	n := max(len(req.texts), len(req.tokens))
	v := make([]float32, req.dims)
	var raw []byte
	if req.EncodingFormat == "base64" {
		raw = make([]byte, 4*req.dims)
	}
	if req.EncodingFormat == "base64" {
		b = slices.Grow(b, n*(base64.StdEncoding.EncodedLen(4*req.dims)+64)+128)
	} else {
		b = slices.Grow(b, n*(12*req.dims+64)+128)
	}
	b = append(b, `{"object":"list","data":[`...)
	for i := 0; i < n; i++ {
		vector(v, req.inputHash(seed, i))
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"object":"embedding","index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"embedding":`...)
		if raw != nil {
			for j, f := range v {
				binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(f))
			}
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, raw)
			b = append(b, '"')
		} else {
			b = append(b, '[')
			for j, f := range v {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendFloat32(b, f)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `],"model":`...)
	b = appendJSONString(b, req.Model)
	b = append(b, `,"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, int64(req.cost), 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, int64(req.cost), 10)
	return append(b, "}}"...)
}
