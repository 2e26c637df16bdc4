package pipes

import (
	"encoding/json"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	const eventItems = `{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"EVENT#"}]},"sk":{"S":["EVENT"]}}}}`
	tests := []struct {
		pattern, doc string
		want         bool
	}{
		{eventItems, `{"dynamodb":{"Keys":{"pk":{"S":"EVENT#1"},"sk":{"S":"EVENT"}}}}`, true},
		{eventItems, `{"dynamodb":{"Keys":{"pk":{"S":"EVENT#1"},"sk":{"S":"USER#u"}}}}`, false},
		{eventItems, `{"dynamodb":{"Keys":{"pk":{"S":"BOOKING#1"},"sk":{"S":"EVENT"}}}}`, false},
		{eventItems, `{"dynamodb":{}}`, false},
		{`{"eventName":["INSERT","MODIFY"]}`, `{"eventName":"MODIFY"}`, true},
		{`{"eventName":["INSERT","MODIFY"]}`, `{"eventName":"REMOVE"}`, false},
		{`{"dynamodb":{"OldImage":[{"exists":false}]}}`, `{"dynamodb":{}}`, true},
		{`{"dynamodb":{"OldImage":[{"exists":false}]}}`, `{"dynamodb":{"OldImage":{}}}`, false},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
			t.Fatal(err)
		}
		if got := p.Match(doc); got != tt.want {
			t.Errorf("%s on %s = %v", tt.pattern, tt.doc, got)
		}
	}
}
