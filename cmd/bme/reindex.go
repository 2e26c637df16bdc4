package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/localstack/system"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
	"github.com/bookmyevent/bookmyevent/internal/search"
)

func init() {
	register("reindex", "rebuild the search index from the table and swap it in", reindexCmd)
}

// reindexCmd rebuilds the event index. Against the local stack (make run) it needs no
// flags; against AWS give --table and --opensearch-url (credentials from the usual AWS
// environment).
func reindexCmd(args []string) error {
	f := newFlagSet("reindex", "[--table <name> --opensearch-url <url>] [--alias events]")
	table := f.String("table", "", "table name (default: the running local stack's)")
	url := f.String("opensearch-url", os.Getenv("OPENSEARCH_URL"), "OpenSearch URL (default: $OPENSEARCH_URL, else the local stack's)")
	alias := f.String("alias", "", "index alias the functions read and write (default: the local stack's, else "+search.DefaultAlias+")")
	_ = f.Parse(args)
	if f.NArg() > 0 {
		f.Usage()
		os.Exit(2)
	}
	ctx := context.Background()
	var db *dynamodb.Client
	if *table == "" {
		st, err := localState()
		if err != nil {
			return err
		}
		*table = st.Resources["Table"].Ref
		if *url == "" {
			*url = st.OpenSearchURL
		}
		if *alias == "" {
			*alias = st.SearchIndex
		}
		cfg, err := st.Endpoints.Config(ctx)
		if err != nil {
			return err
		}
		db = dynamodb.NewFromConfig(cfg)
	} else {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return err
		}
		db = dynamodb.NewFromConfig(cfg)
	}
	ix, err := search.New(search.Config{URL: *url, Alias: *alias})
	if err != nil {
		return err
	}
	stats, err := ix.Rebuild(ctx, dynamo.New(db, *table))
	if err != nil {
		return err
	}
	fmt.Printf("reindexed %d events (%d documents) into %s in %s (%.0f events/s); alias %s swapped\n",
		stats.Events, stats.Written, stats.Index, stats.Duration.Round(time.Millisecond),
		float64(stats.Events)/stats.Duration.Seconds(), ix.Alias())
	return nil
}

func localState() (system.State, error) {
	path, err := workspace.Local("state.json")
	if err != nil {
		return system.State{}, err
	}
	st, err := system.ReadState(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, errors.New("no local stack is running (start it with make run, or give --table and --opensearch-url)")
	}
	return st, err
}
