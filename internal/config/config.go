// Package config reads a function's settings from the environment variables template.yaml
// gives it. Each need has one small struct; defaults live here and nowhere else, and
// every value is validated at start so a bad deployment fails its init, not a request.
package config

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Defaults, in one place.
const (
	DefaultLogLevel             = "INFO"
	DefaultAvailabilityCacheTTL = time.Second
	// MaxAvailabilityCacheTTL keeps a typo from serving minutes-old seat counts.
	MaxAvailabilityCacheTTL = time.Minute
)

// Getenv is os.Getenv, or a map lookup in tests.
type Getenv func(string) string

// Catalog is what every catalogue function needs.
type Catalog struct {
	TableName string     // TABLE_NAME, required
	LogLevel  slog.Level // LOG_LEVEL: DEBUG, INFO, WARN or ERROR
}

// Level is LOG_LEVEL, for every function's logging set-up.
func (c Catalog) Level() slog.Level { return c.LogLevel }

// LoadCatalog reads TABLE_NAME and LOG_LEVEL.
func LoadCatalog(getenv Getenv) (Catalog, error) {
	c := Catalog{TableName: strings.TrimSpace(getenv("TABLE_NAME"))}
	if c.TableName == "" {
		return Catalog{}, fmt.Errorf("TABLE_NAME is not set")
	}
	level := getenv("LOG_LEVEL")
	if level == "" {
		level = DefaultLogLevel
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return Catalog{}, fmt.Errorf("LOG_LEVEL %q: want DEBUG, INFO, WARN or ERROR", level)
	}
	return c, nil
}

// Availability is the catalogue settings plus the availability cache's staleness bound.
type Availability struct {
	Catalog
	CacheTTL time.Duration // AVAILABILITY_CACHE_TTL, a Go duration such as 1s or 500ms
}

// LoadAvailability reads the catalogue settings and AVAILABILITY_CACHE_TTL.
func LoadAvailability(getenv Getenv) (Availability, error) {
	c, err := LoadCatalog(getenv)
	if err != nil {
		return Availability{}, err
	}
	a := Availability{Catalog: c, CacheTTL: DefaultAvailabilityCacheTTL}
	if v := getenv("AVAILABILITY_CACHE_TTL"); v != "" {
		ttl, err := time.ParseDuration(v)
		if err != nil || ttl < 0 || ttl > MaxAvailabilityCacheTTL {
			return Availability{}, fmt.Errorf("AVAILABILITY_CACHE_TTL %q: want a duration from 0s to %s", v, MaxAvailabilityCacheTTL)
		}
		a.CacheTTL = ttl
	}
	return a, nil
}
