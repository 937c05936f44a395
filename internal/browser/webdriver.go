// Package browser drives a real, headless Chromium through chromedriver's
// W3C WebDriver protocol (Debian's chromium and chromium-driver packages),
// for the end-to-end tests of the notebooks in Jupyter and of the HTML
// report. It is a small client of the endpoints those tests need: sessions,
// navigation, element lookup, clicks, pointer moves, script execution and
// screenshots (viewport, element and, through Chrome's DevTools protocol,
// full page).
package browser

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Debian's package names, for the error messages.
const (
	// AptPackages install Chromium and its chromedriver.
	AptPackages = "chromium chromium-driver"
)

// Find returns the paths of chromedriver and Chromium, or an error that
// says how to install them.
func Find() (driver, chromium string, err error) {
	driver, err1 := exec.LookPath("chromedriver")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if err1 != nil || chromium == "" {
		return "", "", fmt.Errorf("browser: needs Chromium and chromedriver on PATH; on Debian: apt-get install -y --no-install-recommends %s", AptPackages)
	}
	return driver, chromium, nil
}

// Driver is a running chromedriver.
type Driver struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartDriver starts chromedriver on a free local port (its log goes to
// logw) and waits until it is ready.
func StartDriver(path string, logw io.Writer) (*Driver, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("browser: starting chromedriver: %w", err)
	}
	d := &Driver{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{})}
	go func() { cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := d.call(http.MethodGet, "/status", nil, &st); err == nil && st.Ready {
			return d, nil
		}
		select {
		case <-d.done:
			return nil, errors.New("browser: chromedriver exited before it was ready (see its log)")
		default:
		}
		if time.Now().After(deadline) {
			d.Stop()
			return nil, errors.New("browser: chromedriver not ready after 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends chromedriver and the browsers it started (its process group).
func (d *Driver) Stop() {
	if d.cmd.Process == nil {
		return
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
}

// call sends one WebDriver command and decodes its "value" into out (nil
// to ignore it). WebDriver errors come back as Go errors with their message.
func (d *Driver) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("browser: %s %s: HTTP %d, not JSON: %.200s", method, path, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(env.Value, &e)
		return fmt.Errorf("browser: %s %s: %s: %s", method, path, e.Error, firstLine(e.Message))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(env.Value, out)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Session is one browser window.
type Session struct {
	d  *Driver
	id string
}

// NewSession starts headless Chromium (binary chromium) with a window of
// width × height CSS pixels.
func (d *Driver) NewSession(chromium string, width, height int) (*Session, error) {
	args := []string{"--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		fmt.Sprintf("--window-size=%d,%d", width, height), "--force-device-scale-factor=1"}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // Chromium refuses to run as root with its sandbox
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": args},
	}}}
	var out struct {
		SessionID string `json:"sessionId"`
	}
	if err := d.call(http.MethodPost, "/session", caps, &out); err != nil {
		return nil, err
	}
	return &Session{d: d, id: out.SessionID}, nil
}

func (s *Session) path(p string) string { return "/session/" + s.id + p }

// Close ends the session and its browser.
func (s *Session) Close() error { return s.d.call(http.MethodDelete, s.path(""), nil, nil) }

// Navigate loads url and waits for the page to load.
func (s *Session) Navigate(url string) error {
	return s.d.call(http.MethodPost, s.path("/url"), map[string]string{"url": url}, nil)
}

// Execute runs a synchronous script (its body: "return …;") with args and
// decodes its result into out (nil to ignore it).
func (s *Session) Execute(out any, script string, args ...any) error {
	if args == nil {
		args = []any{}
	}
	return s.d.call(http.MethodPost, s.path("/execute/sync"), map[string]any{"script": script, "args": args}, out)
}

// Element is a reference to a DOM element of the page.
type Element struct {
	ID string
}

// elementKey is the W3C name of an element reference.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

func (e Element) ref() map[string]string { return map[string]string{elementKey: e.ID} }

// FindAll returns the elements matching a CSS selector.
func (s *Session) FindAll(css string) ([]Element, error) {
	var out []map[string]string
	if err := s.d.call(http.MethodPost, s.path("/elements"), map[string]string{"using": "css selector", "value": css}, &out); err != nil {
		return nil, err
	}
	els := make([]Element, len(out))
	for i, m := range out {
		els[i] = Element{ID: m[elementKey]}
	}
	return els, nil
}

// Find returns the first element matching a CSS selector.
func (s *Session) Find(css string) (Element, error) {
	var m map[string]string
	if err := s.d.call(http.MethodPost, s.path("/element"), map[string]string{"using": "css selector", "value": css}, &m); err != nil {
		return Element{}, err
	}
	return Element{ID: m[elementKey]}, nil
}

// Click clicks e as a user would (WebDriver scrolls it into view and fails
// when it is hidden or covered).
func (s *Session) Click(e Element) error {
	return s.d.call(http.MethodPost, s.path("/element/"+e.ID+"/click"), map[string]any{}, nil)
}

// Text returns e's rendered text.
func (s *Session) Text(e Element) (string, error) {
	var t string
	err := s.d.call(http.MethodGet, s.path("/element/"+e.ID+"/text"), nil, &t)
	return t, err
}

// Hover moves the mouse pointer to the centre of e (opening hover menus).
func (s *Session) Hover(e Element) error {
	actions := map[string]any{"actions": []any{map[string]any{
		"type": "pointer", "id": "mouse", "parameters": map[string]string{"pointerType": "mouse"},
		"actions": []any{map[string]any{"type": "pointerMove", "duration": 100, "origin": e.ref(), "x": 0, "y": 0}},
	}}}
	return s.d.call(http.MethodPost, s.path("/actions"), actions, nil)
}

// Screenshot returns a PNG of the viewport.
func (s *Session) Screenshot() ([]byte, error) { return s.png(s.path("/screenshot")) }

// ElementScreenshot returns a PNG of e, scrolled to the top of its
// scrolling container first (pages such as Jupyter's scroll an inner
// panel, which WebDriver's own scrolling does not move).
func (s *Session) ElementScreenshot(e Element) ([]byte, error) {
	if err := s.Execute(nil, `arguments[0].scrollIntoView({block: 'start'}); return null;`, e.ref()); err != nil {
		return nil, err
	}
	return s.png(s.path("/element/" + e.ID + "/screenshot"))
}

func (s *Session) png(path string) ([]byte, error) {
	var b64 string
	if err := s.d.call(http.MethodGet, path, nil, &b64); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(b64)
}

// FullPageScreenshot returns a PNG of the whole document, beyond the
// viewport (Chrome DevTools' Page.captureScreenshot).
func (s *Session) FullPageScreenshot() ([]byte, error) {
	var out struct {
		Data string `json:"data"`
	}
	err := s.d.call(http.MethodPost, s.path("/goog/cdp/execute"), map[string]any{
		"cmd": "Page.captureScreenshot", "params": map[string]any{"format": "png", "captureBeyondViewport": true},
	}, &out)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(out.Data)
}

// ConsoleErrors returns the page's console messages of level SEVERE
// logged so far (Chrome's log endpoint).
func (s *Session) ConsoleErrors() ([]string, error) {
	var entries []struct {
		Level   string `json:"level"`
		Message string `json:"message"`
	}
	if err := s.d.call(http.MethodPost, s.path("/se/log"), map[string]string{"type": "browser"}, &entries); err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Level == "SEVERE" {
			out = append(out, e.Message)
		}
	}
	return out, nil
}

// WaitFor polls cond every poll until it returns true, an error, or
// timeout passes (then the error names what was awaited).
func WaitFor(what string, timeout, poll time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not after %v", what, timeout)
		}
		time.Sleep(poll)
	}
}
