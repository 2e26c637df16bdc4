package sources

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	const record = `{"eventName":"MODIFY","dynamodb":{"Keys":{"pk":{"S":"EVENT#1"},"sk":{"S":"EVENT"}},"NewImage":{"status":{"S":"published"},"available":{"N":"5"}}},"tags":["a","b"]}`
	var ev map[string]any
	dec := json.NewDecoder(strings.NewReader(record))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"EVENT#"}]},"sk":{"S":["EVENT"]}}}}`, true},
		{`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"VENUE#"}]}}}}`, false},
		{`{"eventName":["INSERT","MODIFY"]}`, true},
		{`{"eventName":["REMOVE"]}`, false},
		{`{"eventName":[{"anything-but":["REMOVE"]}]}`, true},
		{`{"eventName":[{"anything-but":"MODIFY"}]}`, false},
		{`{"eventName":[{"equals-ignore-case":"modify"}]}`, true},
		{`{"dynamodb":{"Keys":{"pk":{"S":[{"suffix":"#1"}]}}}}`, true},
		{`{"dynamodb":{"OldImage":[{"exists":false}]}}`, true},
		{`{"dynamodb":{"NewImage":[{"exists":true}]}}`, true},
		{`{"dynamodb":{"NewImage":{"status":{"S":["cancelled"]}}}}`, false},
		{`{"tags":["b"]}`, true},
		{`{"missing":["x"]}`, false},
		{`{"eventName":"MODIFY"}`, false}, // invalid: values must be lists (rejected by ParsePattern)
	} {
		p, err := ParsePattern(tc.pattern)
		if err != nil {
			if tc.want {
				t.Errorf("%s: %v", tc.pattern, err)
			}
			continue
		}
		if got := p.Match(ev); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.pattern, got, tc.want)
		}
	}
}

func TestNumericMatcher(t *testing.T) {
	p, err := ParsePattern(`{"n":[{"numeric":[">",0,"<=",5]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]bool{"0": false, "1": true, "5": true, "6": false} {
		if got := p.Match(map[string]any{"n": json.Number(v)}); got != want {
			t.Errorf("n=%s: %v", v, got)
		}
	}
}
