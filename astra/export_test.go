package astra

// DecodeResponseForTest exposes the response decoder to the fuzz target:
// it reports whether a value came back, and the error.
func DecodeResponseForTest(body []byte) (bool, error) {
	r, err := decodeResponse("find", body)
	return r != nil, err
}
