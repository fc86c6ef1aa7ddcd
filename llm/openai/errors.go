package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/kgas-dev/kgas/apiclient"
	"github.com/kgas-dev/kgas/llm"
)

// newAPIError builds the typed error of an HTTP error response, classified
// as apiclient classifies it.
func newAPIError(status int, h http.Header, body []byte) *apiclient.Error {
	e := &apiclient.Error{
		StatusCode: status,
		RateLimit:  apiclient.ParseRateLimit(h),
		Class:      apiclient.Classify(status, h, body),
	}
	e.Type, e.Code, e.Message, e.Param = parseErrorBody(body)
	if e.RequestID = h.Get("X-Request-Id"); e.RequestID == "" {
		e.RequestID = h.Get("Request-Id")
	}
	if d, ok := apiclient.ServerWait(h); ok {
		e.RetryAfter = d
	}
	return e
}

// parseErrorBody reads OpenAI's {"error":{"type","code","message","param"}}
// (code may be a number; error may be a bare string). Foreign bodies give
// empty strings.
func parseErrorBody(body []byte) (typ, code, msg, param string) {
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Error) == 0 {
		return
	}
	if json.Unmarshal(env.Error, &msg) == nil {
		return
	}
	var obj struct {
		Type, Code, Message, Param any
	}
	if json.Unmarshal(env.Error, &obj) != nil {
		return
	}
	return str(obj.Type), str(obj.Code), str(obj.Message), str(obj.Param)
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// fromGoOpenAI converts go-openai's API error (an SSE error event in a
// stream, whose status is 0, or any error response that reached it) to the
// typed error, classified by apiclient.Classify.
func fromGoOpenAI(oe *goopenai.APIError) *apiclient.Error {
	e := &apiclient.Error{StatusCode: oe.HTTPStatusCode, Type: oe.Type, Message: oe.Message}
	if oe.Param != nil {
		e.Param = *oe.Param
	}
	switch c := oe.Code.(type) {
	case string:
		e.Code = c
	case int:
		e.Code = strconv.Itoa(c)
	}
	status := oe.HTTPStatusCode
	if status == 0 {
		status = http.StatusOK // an error event inside a 200 stream
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"type": e.Type, "code": e.Code}})
	e.Class = apiclient.Classify(status, nil, body)
	return e
}

// fail maps err with mapError and, in the rare case that a server message
// echoes the API key, rebuilds the error from a scrubbed copy (the original
// may be shared: apiclient keeps its quota error for later requests).
func (c *Client) fail(ctx context.Context, err error) error {
	err = mapError(ctx, err)
	if c.key == "" || err == nil || !strings.Contains(err.Error(), c.key) {
		return err
	}
	var ae *apiclient.Error
	if errors.As(err, &ae) {
		cp := *ae
		cp.Message = strings.ReplaceAll(cp.Message, c.key, "REDACTED")
		cp.Param = strings.ReplaceAll(cp.Param, c.key, "REDACTED")
		return mapError(ctx, &cp)
	}
	return fmt.Errorf("llm/openai: request failed (error text withheld: it echoed the API key)")
}

// mapError turns what go-openai returned into kgas's typed errors:
//   - context errors match ctx.Err() whenever ctx has ended;
//   - *apiclient.Error (also from go-openai's own *APIError and
//     *RequestError) keeps its errors.Is matches (ErrQuotaExhausted,
//     ErrRateLimited, ErrRequestTooLarge, ErrTimeout, ...), and a 400, 404
//     or 422 that is not a size error is wrapped in an
//     *llm.InvalidRequestError naming the server's param;
//   - undecodable answers match llm.ErrBadResponse.
func mapError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ae *apiclient.Error
	var oe *goopenai.APIError
	var re *goopenai.RequestError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &oe):
		ae = fromGoOpenAI(oe)
		err = ae
	case errors.As(err, &re):
		ae = &apiclient.Error{StatusCode: re.HTTPStatusCode, Class: apiclient.Classify(re.HTTPStatusCode, nil, re.Body)}
		ae.Type, ae.Code, ae.Message, ae.Param = parseErrorBody(re.Body)
		err = ae
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return err
		}
		return fmt.Errorf("llm/openai: %w: %w", cerr, err)
	}
	if ae != nil {
		switch ae.StatusCode {
		case http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity:
			if !errors.Is(ae, llm.ErrRequestTooLarge) && ae.Class == apiclient.TerminalRequest {
				field := ae.Param
				if field == "" && ae.Code == "model_not_found" {
					field = "model"
				}
				return &llm.InvalidRequestError{Field: field, Reason: ae.Message, Err: ae}
			}
		}
		return err
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	if errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", llm.ErrBadResponse, err)
	}
	return fmt.Errorf("llm/openai: %w", err)
}
