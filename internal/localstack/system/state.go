package system

import (
	"encoding/json"
	"maps"
	"os"
	"syscall"

	"github.com/bookmyevent/bookmyevent/internal/localstack/endpoints"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// State is what a running stack publishes in .local/state.json for other tools
// (bme token, load tests): where everything listens and what everything is called.
type State struct {
	APIURL           string                       `json:"api_url"`
	Endpoints        endpoints.Endpoints          `json:"endpoints"`
	StackName        string                       `json:"stack_name"`
	UserPoolID       string                       `json:"user_pool_id"`
	UserPoolClientID string                       `json:"user_pool_client_id"`
	Resources        map[string]template.Physical `json:"resources"`
	PID              int                          `json:"pid"`
	OpenSearchURL    string                       `json:"opensearch_url,omitempty"`
	SearchIndex      string                       `json:"search_index,omitempty"`
}

// State describes the running stack.
func (sys *System) State() State {
	return State{APIURL: sys.BaseURL, Endpoints: sys.Endpoints, StackName: sys.Stack.Name,
		UserPoolID: sys.Identity.PoolID, UserPoolClientID: sys.Identity.ClientID,
		Resources: sys.Stack.Physicals(), PID: os.Getpid(), OpenSearchURL: sys.Stack.Param(searchParam),
		SearchIndex: sys.Stack.Param(indexParam)}
}

// WriteState writes the state file atomically.
func (sys *System) WriteState(path string) error {
	b, err := json.MarshalIndent(sys.State(), "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadState reads a state file written by a running `local run`.
func ReadState(path string) (State, error) {
	var s State
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// Alive reports whether the process that wrote the state still runs.
func (st State) Alive() bool {
	return st.PID > 0 && syscall.Kill(st.PID, 0) == nil
}

// Attach returns opts changed to run against the stack st describes: its services, its
// resource names (provisioning finds them in place) and its search node, so a one-off
// `local invoke` sees the data of a running `make run`.
func (st State) Attach(opts Options) Options {
	ep := st.Endpoints
	opts.Endpoints = &ep
	opts.StackName = st.StackName
	params := maps.Clone(opts.Params)
	if params == nil {
		params = map[string]string{}
	}
	if st.OpenSearchURL != "" && params[searchParam] == "" {
		params[searchParam] = st.OpenSearchURL
	}
	if st.SearchIndex != "" && params[indexParam] == "" {
		params[indexParam] = st.SearchIndex
	}
	opts.Params = params
	return opts
}
