package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Jupyter is a running Jupyter Notebook server on 127.0.0.1 with a token.
type Jupyter struct {
	// URL is the server's base URL ("http://127.0.0.1:PORT") and Token its
	// access token.
	URL, Token string
	cmd        *exec.Cmd
	done       chan struct{}
}

// StartJupyter starts `jupyter notebook` serving dir on a free local port
// with a random token, its log going to logw, with extra environment
// variables env ("K=V"), and waits until its API answers. As root it passes
// --allow-root (Jupyter refuses to start as root otherwise).
func StartJupyter(dir string, env []string, logw io.Writer) (*Jupyter, error) {
	if _, err := exec.LookPath("jupyter"); err != nil {
		return nil, errors.New("browser: jupyter is not on PATH; on Debian: apt-get install -y --no-install-recommends jupyter-notebook python3-ipykernel")
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	j := &Jupyter{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Token: hex.EncodeToString(tok), done: make(chan struct{})}
	args := []string{"notebook", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--port-retries=0", "--NotebookApp.token=" + j.Token, "--notebook-dir=" + dir}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	cmd := exec.Command("jupyter", args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("browser: starting Jupyter: %w", err)
	}
	j.cmd = cmd
	go func() { cmd.Wait(); close(j.done) }()
	err = WaitFor("Jupyter's API", 60*time.Second, 200*time.Millisecond, func() (bool, error) {
		select {
		case <-j.done:
			return false, errors.New("jupyter notebook exited (see its log)")
		default:
		}
		var st map[string]any
		return j.API(http.MethodGet, "/api/status", &st) == nil, nil
	})
	if err != nil {
		j.Stop()
		return nil, err
	}
	return j, nil
}

// API calls the server's REST API and decodes the JSON answer into out.
func (j *Jupyter) API(method, path string, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, j.URL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "token "+j.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Stop shuts down every kernel through the API, then the server (SIGTERM,
// which also cleans up kernels; its whole process group is killed if it
// does not stop in 15 s). It reports whether kernels were still running
// after the shutdown request.
func (j *Jupyter) Stop() error {
	var kernels []struct {
		ID string `json:"id"`
	}
	if err := j.API(http.MethodGet, "/api/kernels", &kernels); err == nil {
		for _, k := range kernels {
			j.API(http.MethodDelete, "/api/kernels/"+k.ID, nil)
		}
	}
	if j.cmd == nil || j.cmd.Process == nil {
		return nil
	}
	pid := j.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-j.done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-j.done
		return errors.New("browser: Jupyter did not stop within 15 s of SIGTERM; killed its process group")
	}
	// Anything left in the group (a kernel that ignored the shutdown) goes.
	if syscall.Kill(-pid, 0) == nil {
		syscall.Kill(-pid, syscall.SIGKILL)
		return errors.New("browser: processes of the Jupyter server outlived it; killed them")
	}
	return nil
}
