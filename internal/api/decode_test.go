package api

import (
	"math"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/fault"
)

func TestDecodeNumbers(t *testing.T) {
	type in struct {
		Quantity int `json:"quantity"`
		Price    *struct {
			Amount int64 `json:"amount"`
		} `json:"price"`
	}
	for _, tc := range []struct {
		body     string
		quantity int
		field    string // the field a refusal names; "" when decoded
		reason   string
	}{
		{`{"quantity": 2}`, 2, "", ""},
		{`{"quantity": -1}`, -1, "", ""},
		{`{"quantity": 1e9}`, 1_000_000_000, "", ""},
		{`{"quantity": 1E3}`, 1000, "", ""},
		{`{"quantity": 2.0}`, 2, "", ""},
		{`{"quantity": 1.5e1}`, 15, "", ""},
		{`{"quantity": -0.0}`, 0, "", ""},
		{`{"quantity": 1e30}`, math.MaxInt64, "", ""},
		{`{"quantity": -1e30}`, math.MinInt64, "", ""},
		{`{"quantity": 99999999999999999999}`, math.MaxInt64, "", ""},
		{`{"quantity": 1e999999}`, math.MaxInt64, "", ""},
		{`{"quantity": 1.5}`, 0, "quantity", "must be a whole number"},
		{`{"quantity": 1.00000000000000000001}`, 0, "quantity", "must be a whole number"},
		{`{"quantity": 1e-3}`, 0, "quantity", "must be a whole number"},
		{`{"quantity": "5"}`, 0, "quantity", "must be a whole number"},
		{`{"quantity": true}`, 0, "quantity", "must be a whole number"},
		{`{"quantity": 1, "price": {"amount": 12.5}}`, 0, "price.amount", "must be a whole number"},
		{`{"quantity": 1, "price": {"amount": 1.25e3}}`, 1, "", ""},
	} {
		var got in
		err := Decode(&Request{Event: events.APIGatewayV2HTTPRequest{Body: tc.body}}, &got)
		if tc.field == "" {
			if err != nil || got.Quantity != tc.quantity {
				t.Errorf("%s: got %d, %v; want %d", tc.body, got.Quantity, err, tc.quantity)
			}
			continue
		}
		fe, ok := fault.As(err)
		if !ok || fe.Code != fault.Validation || fe.Fields[tc.field] != tc.reason {
			t.Errorf("%s: got %v %v; want %s %q", tc.body, err, fe, tc.field, tc.reason)
		}
	}

	// Whatever the spelling, what reaches the booking rules is refused with the range.
	var got in
	if err := Decode(&Request{Event: events.APIGatewayV2HTTPRequest{Body: `{"quantity": 1e9}`}}, &got); err != nil {
		t.Fatal(err)
	}
	fe, _ := fault.As(booking.CheckQuantity(got.Quantity, 10))
	if fe == nil || fe.Fields["quantity"] != "must be an integer from 1 to 10" {
		t.Errorf("quantity 1e9: %v", fe)
	}
}

func TestDecodeStaysStrict(t *testing.T) {
	var in struct {
		Quantity int `json:"quantity"`
	}
	for body, want := range map[string]string{
		`{"quantity": 1e9} {}`:          "Body must hold a single JSON object",
		`{"quantity": 1e9, "other": 1}`: `Unknown field "other"`,
		`{"quantity": 1e9`:              "Malformed JSON: unexpected end of body",
		`[1e9]`:                         "Body must be a JSON object",
	} {
		err := Decode(&Request{Event: events.APIGatewayV2HTTPRequest{Body: body}}, &in)
		if fe, ok := fault.As(err); !ok || fe.Code != fault.Validation || fe.Message != want {
			t.Errorf("%s: got %v, want %q", body, err, want)
		}
	}
}
