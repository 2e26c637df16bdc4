// Package opensearch runs a real, single-node OpenSearch for the local stack and the
// tests: the minimal distribution OpenSearch publishes to Maven Central (integ-test-zip),
// fetched with Maven on first use, unpacked under .local/, bound to 127.0.0.1 with a
// small heap and plain HTTP (that distribution has no security plugin).
package opensearch

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bookmyevent/bookmyevent/internal/localstack/child"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

// Version is the pinned OpenSearch release (the newest 2.19.x on Maven Central).
const Version = "2.19.6"

const artifact = "org.opensearch.distribution.integ-test-zip:opensearch:" + Version + ":zip"

// Heap is the JVM heap: enough for a few thousand small documents, small enough for a
// laptop running moto and the Lambdas beside it.
const Heap = "512m"

// EnsureDistribution fetches and unpacks the distribution unless it is already there and
// returns its home folder. A file lock serialises concurrent installers (test binaries
// starting at once); progress goes to log.
func EnsureDistribution(ctx context.Context, log io.Writer) (string, error) {
	base, err := workspace.Local("opensearch", "dist")
	if err != nil {
		return "", err
	}
	home := filepath.Join(base, "opensearch-"+Version)
	marker := filepath.Join(base, ".unpacked-"+Version)
	if fileExists(marker) {
		return home, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(base+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close() // closing releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("opensearch: lock %s: %w", lock.Name(), err)
	}
	if fileExists(marker) {
		return home, nil
	}
	zipPath := filepath.Join(base, "opensearch-"+Version+".zip")
	if !fileExists(zipPath) {
		fmt.Fprintf(log, "opensearch: fetching %s with Maven (first run only)\n", artifact)
		cmd := exec.CommandContext(ctx, "mvn", "-q", "dependency:copy", "-Dartifact="+artifact, "-DoutputDirectory="+base)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("opensearch: mvn dependency:copy %s (is Maven installed and Maven Central reachable?): %w", artifact, err)
		}
	}
	_ = os.RemoveAll(home)
	if err := unzip(zipPath, base); err != nil {
		return "", fmt.Errorf("opensearch: unpack %s: %w", zipPath, err)
	}
	return home, os.WriteFile(marker, nil, 0o644)
}

func unzip(src, dst string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, f := range r.File {
		p := filepath.Join(dst, f.Name)
		if !strings.HasPrefix(p, filepath.Clean(dst)+string(os.PathSeparator)) {
			return fmt.Errorf("entry %q escapes the target folder", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := extract(f, p); err != nil {
			return err
		}
	}
	return nil
}

func extract(f *zip.File, p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	in, err := f.Open()
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode()|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Node is one running OpenSearch process.
type Node struct {
	// URL is the HTTP endpoint, e.g. http://127.0.0.1:9200.
	URL  string
	cmd  *exec.Cmd
	data string
	done chan struct{}
	stop sync.Once
}

// Options configure Start.
type Options struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// Log receives the node's console output; nil discards it.
	Log io.Writer
}

// Start fetches the distribution if needed and starts a node with a fresh data folder,
// returning once the cluster is yellow or green. The node dies with its parent
// (Pdeathsig), so a killed test binary does not leak it.
func Start(ctx context.Context, opts Options) (*Node, error) {
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	home, err := EnsureDistribution(ctx, logw)
	if err != nil {
		return nil, err
	}
	javaHome, err := findJava()
	if err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	runs, err := workspace.Local("opensearch", "run", "x")
	if err != nil {
		return nil, err
	}
	removeStaleRuns(filepath.Dir(runs))
	data := filepath.Join(filepath.Dir(runs), strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(port))
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(home, "bin", "opensearch"),
		"-Ediscovery.type=single-node",
		"-Enetwork.host=127.0.0.1",
		"-Ehttp.port="+strconv.Itoa(port),
		"-Etransport.port=0",
		"-Epath.data="+filepath.Join(data, "data"),
		"-Epath.logs="+filepath.Join(data, "logs"),
		// A laptop disk is often more than 90% full; the default watermarks would then
		// refuse to allocate shards and the cluster would stay red.
		"-Ecluster.routing.allocation.disk.threshold_enabled=false",
	)
	// OpenSearch refuses to run as root, and CI containers run as root. It detects root
	// through JNA; with JNA's native library unavailable it cannot tell and starts (only
	// memory locking and the syscall filter are lost, which a local node does not need).
	cmd.Env = append(os.Environ(),
		"OPENSEARCH_JAVA_HOME="+javaHome,
		"OPENSEARCH_JAVA_OPTS=-Xms"+Heap+" -Xmx"+Heap+" -Djna.nosys=true -Djna.nounpack=true",
	)
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("opensearch: start: %w", err)
	}
	n := &Node{URL: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, data: data, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(n.done) }()
	if err := n.waitHealthy(ctx, 120*time.Second); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

func (n *Node) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get(n.URL + "/_cluster/health?wait_for_status=yellow&timeout=1s")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-n.done:
			return errors.New("opensearch: node exited during start (see its log above, or " + filepath.Join(n.data, "logs") + ")")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("opensearch: %s not healthy within %s", n.URL, limit)
}

// Stop ends the node, waits for it and removes its data.
func (n *Node) Stop() {
	n.stop.Do(func() {
		child.Stop(n.cmd, n.done, 10*time.Second)
		_ = os.RemoveAll(n.data)
	})
}

// Done is closed when the node process exits.
func (n *Node) Done() <-chan struct{} { return n.done }

// removeStaleRuns deletes data folders of nodes whose owner process is gone (a test binary
// killed before it could stop its node).
func removeStaleRuns(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.SplitN(e.Name(), "-", 2)[0])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// findJava returns a Java home: JAVA_HOME, else the one holding the java on PATH.
func findJava() (string, error) {
	if h := os.Getenv("JAVA_HOME"); h != "" && fileExists(filepath.Join(h, "bin", "java")) {
		return h, nil
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", errors.New("opensearch: no Java found (set JAVA_HOME or put java 17+ on PATH)")
	}
	if p, err = filepath.EvalSymlinks(p); err != nil {
		return "", err
	}
	return filepath.Dir(filepath.Dir(p)), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// StartLogged starts a node on a free port for the local stack, with its console output
// in .local/opensearch/node.log (the node inherits the file, so closing ours is fine).
func StartLogged(ctx context.Context) (*Node, error) {
	var logw io.Writer = io.Discard
	if p, err := workspace.Local("opensearch", "node.log"); err == nil {
		if f, err := os.Create(p); err == nil {
			defer f.Close()
			logw = f
		}
	}
	return Start(ctx, Options{Log: logw})
}
