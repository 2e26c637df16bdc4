package api

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strconv"
)

// wholeNumbers rewrites body with every number that is a whole one written as a plain
// integer: JSON does not tell 1e9 or 2.0 from 1000000000 or 2, but encoding/json refuses
// them for an integer field. A whole number beyond int64 saturates at its bounds, so the
// field's own range check answers with the range; a fraction stays as it is. Every
// number this API takes is an integer (money is in minor units), so nothing is lost.
// Whatever follows the first value is kept, for Decode to refuse. ok is false when body
// does not start with a JSON value.
func wholeNumbers(body []byte) (_ []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return nil, false
	}
	out, err := json.Marshal(rewriteNumbers(doc))
	return append(out, body[dec.InputOffset():]...), err == nil
}

func rewriteNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = rewriteNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = rewriteNumbers(e)
		}
	case json.Number:
		return wholeNumber(x)
	}
	return v
}

func wholeNumber(n json.Number) json.Number {
	if _, err := n.Int64(); err == nil {
		return n
	}
	// Enough precision for every digit, so 1.00000000000000000001 is not rounded to 1.
	f, _, err := big.ParseFloat(string(n), 10, uint(len(n))*4+64, big.ToNearestEven)
	if err != nil || !f.IsInt() {
		return n
	}
	i, _ := f.Int64()
	return json.Number(strconv.FormatInt(i, 10))
}
