package astra

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// response is a decoded Data API answer envelope.
type response struct {
	// Documents holds data.documents (multi-document reads).
	Documents []Document
	// Document holds data.document; HasDocument reports whether the key
	// was present (its value may be null).
	Document    Document
	HasDocument bool
	// NextPageState is data.nextPageState ("" when null or absent).
	NextPageState string
	// HasDocuments reports whether data.documents was present.
	HasDocuments bool
	Status       status
	Errors       []ErrorDescriptor
	// attempts is the number of HTTP attempts the apiclient made.
	attempts int
}

// status is the decoded status object.
type status struct {
	InsertedIDs       []any
	DocumentResponses []documentResponse
	Count             *int64
	DeletedCount      *int64
	MatchedCount      *int64
	ModifiedCount     *int64
	MoreData          bool
	NextPageState     string
	UpsertedID        any
	HasUpsertedID     bool
	SortVector        []float32
	Warnings          []Warning
	Collections       json.RawMessage
	OK                bool
}

// documentResponse is one entry of status.documentResponses.
type documentResponse struct {
	ID        any
	Status    string
	ErrorsIdx int // -1 when absent
}

// wireEnvelope mirrors the JSON; everything is decoded leniently first.
type wireEnvelope struct {
	Data   *wireData                  `json:"data"`
	Status map[string]json.RawMessage `json:"status"`
	Errors []json.RawMessage          `json:"errors"`
}

type wireData struct {
	Documents     []json.RawMessage `json:"documents"`
	Document      json.RawMessage   `json:"document"`
	NextPageState *string           `json:"nextPageState"`
}

// decodeResponse decodes an answer body. It never panics: any malformed
// input gives an error wrapping ErrBadResponse.
func decodeResponse(command string, body []byte) (*response, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, badResponse(command, "body is not a JSON object")
	}
	var w wireEnvelope
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, badResponse(command, "%v", err)
	}
	r := &response{}
	for i, raw := range w.Errors {
		d, err := decodeDescriptor(raw)
		if err != nil {
			return nil, badResponse(command, "errors[%d]: %v", i, err)
		}
		r.Errors = append(r.Errors, d)
	}
	if w.Data != nil {
		if w.Data.Documents != nil {
			r.HasDocuments = true
			r.Documents = make([]Document, 0, len(w.Data.Documents))
			for i, raw := range w.Data.Documents {
				d, err := decodeDocument(raw)
				if err != nil {
					return nil, badResponse(command, "data.documents[%d]: %v", i, err)
				}
				r.Documents = append(r.Documents, d)
			}
		}
		if w.Data.Document != nil {
			r.HasDocument = true
			if !bytes.Equal(bytes.TrimSpace(w.Data.Document), []byte("null")) {
				d, err := decodeDocument(w.Data.Document)
				if err != nil {
					return nil, badResponse(command, "data.document: %v", err)
				}
				r.Document = d
			}
		}
		if w.Data.NextPageState != nil {
			r.NextPageState = *w.Data.NextPageState
		}
	}
	if err := decodeStatus(w.Status, &r.Status); err != nil {
		return nil, badResponse(command, "status.%v", err)
	}
	return r, nil
}

// decodeDescriptor decodes an error or warning object; only the message
// or the code is required (old servers send {message, errorCode}).
func decodeDescriptor(raw json.RawMessage) (ErrorDescriptor, error) {
	var w struct {
		ID          string            `json:"id"`
		Family      string            `json:"family"`
		Scope       string            `json:"scope"`
		ErrorCode   string            `json:"errorCode"`
		Title       string            `json:"title"`
		Message     string            `json:"message"`
		DocumentIDs []json.RawMessage `json:"documentIds"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return ErrorDescriptor{}, err
	}
	d := ErrorDescriptor{ID: w.ID, Family: w.Family, Scope: w.Scope, ErrorCode: w.ErrorCode, Title: w.Title, Message: w.Message}
	for i, r := range w.DocumentIDs {
		id, err := decodeID(r)
		if err != nil {
			return ErrorDescriptor{}, fmt.Errorf("documentIds[%d]: %v", i, err)
		}
		d.DocumentIDs = append(d.DocumentIDs, id)
	}
	if d.ErrorCode == "" && d.Message == "" && d.Title == "" {
		d.ErrorCode = "UNKNOWN_ERROR"
	}
	return d, nil
}

// decodeID decodes an _id value.
func decodeID(raw json.RawMessage) (any, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	return fromWire(v, "_id", 0)
}

// decodeStatus decodes the status keys the client uses; unknown keys are
// ignored.
func decodeStatus(m map[string]json.RawMessage, s *status) error {
	count := func(key string) (*int64, error) {
		raw, ok := m[key]
		if !ok || string(raw) == "null" {
			return nil, nil
		}
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, fmt.Errorf("%s: want an integer, got %.40s", key, raw)
		}
		n := int64(f)
		return &n, nil
	}
	var err error
	if s.Count, err = count("count"); err != nil {
		return err
	}
	if s.DeletedCount, err = count("deletedCount"); err != nil {
		return err
	}
	if s.MatchedCount, err = count("matchedCount"); err != nil {
		return err
	}
	if s.ModifiedCount, err = count("modifiedCount"); err != nil {
		return err
	}
	if ok, err := count("ok"); err != nil {
		return err
	} else if ok != nil {
		s.OK = *ok == 1
	}
	if raw, ok := m["moreData"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &s.MoreData); err != nil {
			return fmt.Errorf("moreData: %v", err)
		}
	}
	if raw, ok := m["nextPageState"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &s.NextPageState); err != nil {
			return fmt.Errorf("nextPageState: %v", err)
		}
	}
	if raw, ok := m["insertedIds"]; ok && string(raw) != "null" {
		var ids []json.RawMessage
		if err := json.Unmarshal(raw, &ids); err != nil {
			return fmt.Errorf("insertedIds: %v", err)
		}
		for i, r := range ids {
			id, err := decodeID(r)
			if err != nil {
				return fmt.Errorf("insertedIds[%d]: %v", i, err)
			}
			s.InsertedIDs = append(s.InsertedIDs, id)
		}
	}
	if raw, ok := m["documentResponses"]; ok && string(raw) != "null" {
		var drs []struct {
			ID        json.RawMessage `json:"_id"`
			Status    string          `json:"status"`
			ErrorsIdx *int            `json:"errorsIdx"`
		}
		if err := json.Unmarshal(raw, &drs); err != nil {
			return fmt.Errorf("documentResponses: %v", err)
		}
		for i, d := range drs {
			dr := documentResponse{Status: d.Status, ErrorsIdx: -1}
			if d.ErrorsIdx != nil {
				dr.ErrorsIdx = *d.ErrorsIdx
			}
			if d.ID != nil {
				id, err := decodeID(d.ID)
				if err != nil {
					return fmt.Errorf("documentResponses[%d]._id: %v", i, err)
				}
				dr.ID = id
			}
			s.DocumentResponses = append(s.DocumentResponses, dr)
		}
	}
	if raw, ok := m["upsertedId"]; ok && string(raw) != "null" {
		id, err := decodeID(raw)
		if err != nil {
			return fmt.Errorf("upsertedId: %v", err)
		}
		s.UpsertedID, s.HasUpsertedID = id, true
	}
	if raw, ok := m["sortVector"]; ok && string(raw) != "null" {
		v, err := decodeJSON(raw)
		if err != nil {
			return fmt.Errorf("sortVector: %v", err)
		}
		vec, err := fromWire(v, "$vector", 0)
		if err != nil {
			return fmt.Errorf("sortVector: %v", err)
		}
		if s.SortVector, ok = vec.([]float32); !ok {
			return fmt.Errorf("sortVector: not a vector")
		}
	}
	if raw, ok := m["warnings"]; ok && string(raw) != "null" {
		var ws []json.RawMessage
		if err := json.Unmarshal(raw, &ws); err != nil {
			return fmt.Errorf("warnings: %v", err)
		}
		for i, r := range ws {
			var text string
			if json.Unmarshal(r, &text) == nil { // older servers send plain strings
				s.Warnings = append(s.Warnings, Warning{Scope: "WARNING", Message: text})
				continue
			}
			d, err := decodeDescriptor(r)
			if err != nil {
				return fmt.Errorf("warnings[%d]: %v", i, err)
			}
			s.Warnings = append(s.Warnings, d)
		}
	}
	s.Collections = m["collections"]
	return nil
}
