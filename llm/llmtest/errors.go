package llmtest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ErrorReply is an OpenAI-style error response: status plus the body
// {"error":{"message","type","param","code"}}. Empty Param or Code are sent
// as null.
type ErrorReply struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Type    string `json:"type"`
	Param   string `json:"param,omitempty"`
	Code    string `json:"code,omitempty"`
}

type errorEnvelope struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// body renders the JSON error envelope.
func (e ErrorReply) body() []byte {
	b, _ := json.Marshal(errorEnvelope{Error: errorObject{
		Message: e.Message, Type: e.Type, Param: strOrNil(e.Param), Code: strOrNil(e.Code),
	}})
	return b
}

// invalidRequest is a 400 invalid_request_error naming param.
func invalidRequest(param, msg string) ErrorReply {
	return ErrorReply{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Message: msg}
}

// writeBody writes a complete response with Content-Length.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e ErrorReply) {
	writeBody(w, e.Status, "application/json", e.body())
}
