package config

import (
	"log/slog"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestLoadAvailability(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		want    Availability
		wantErr bool
	}{
		{"defaults", map[string]string{"TABLE_NAME": "t"},
			Availability{Catalog{"t", slog.LevelInfo}, time.Second}, false},
		{"set", map[string]string{"TABLE_NAME": "t", "LOG_LEVEL": "DEBUG", "AVAILABILITY_CACHE_TTL": "250ms"},
			Availability{Catalog{"t", slog.LevelDebug}, 250 * time.Millisecond}, false},
		{"cache off", map[string]string{"TABLE_NAME": "t", "AVAILABILITY_CACHE_TTL": "0s"},
			Availability{Catalog{"t", slog.LevelInfo}, 0}, false},
		{"no table", map[string]string{}, Availability{}, true},
		{"bad level", map[string]string{"TABLE_NAME": "t", "LOG_LEVEL": "LOUD"}, Availability{}, true},
		{"bad ttl", map[string]string{"TABLE_NAME": "t", "AVAILABILITY_CACHE_TTL": "1"}, Availability{}, true},
		{"negative ttl", map[string]string{"TABLE_NAME": "t", "AVAILABILITY_CACHE_TTL": "-1s"}, Availability{}, true},
		{"ttl over a minute", map[string]string{"TABLE_NAME": "t", "AVAILABILITY_CACHE_TTL": "2m"}, Availability{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadAvailability(env(c.env))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err == nil && c.want != (Availability{}) && got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
