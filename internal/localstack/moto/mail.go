package moto

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// SentMail is one raw message moto's SES accepted (SES v2 SendEmail with Content.Raw).
type SentMail struct {
	ID           string   `json:"id"`
	Source       string   `json:"source"`
	Destinations []string `json:"destinations"`
	Raw          string   `json:"raw_data"`
}

// Sent returns the raw messages the moto at base has sent, oldest first. moto keeps them
// in its SES backend and lists every backend's objects at /moto-api/data.json, its
// internal API (the format may change between moto versions: this reads only ses's
// RawMessage objects).
func Sent(ctx context.Context, base string) ([]SentMail, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/moto-api/data.json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("moto: %s: %s", req.URL, resp.Status)
	}
	var data struct {
		SES struct {
			RawMessage []SentMail `json:"RawMessage"`
		} `json:"ses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		return nil, fmt.Errorf("moto: %s: %w", req.URL, err)
	}
	return data.SES.RawMessage, nil
}
