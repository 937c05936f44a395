package fetch

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// payload is the fixture file served by the test server.
var payload = bytes.Repeat([]byte("MWG,NWG,Run1 (ms)\n16,32,12.5\n"), 2000)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func zipped(t *testing.T, name string, content []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	w2, _ := zw.Create("Readme.txt")
	w2.Write([]byte("readme"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// server serves the fixtures on 127.0.0.1:
//
//	/file       payload, with Content-Length
//	/archive    a zip holding dir/sgemm_product.csv = payload
//	/short      announces len(payload) bytes, sends half, closes
//	/chunked    no Content-Length, sends half, then breaks the connection
//	/missing    404
func server(t *testing.T) *httptest.Server {
	t.Helper()
	arch := zipped(t, "dir/sgemm_product.csv", payload)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file":
			w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
			w.Write(payload)
		case "/archive":
			w.Header().Set("Content-Length", strconv.Itoa(len(arch)))
			w.Write(arch)
		case "/short":
			w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
			w.Write(payload[:len(payload)/2])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case "/chunked":
			w.Write(payload[:len(payload)/2])
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server not on 127.0.0.1: %s", srv.URL)
	}
	return srv
}

// entries lists every name in dir, hidden ones included.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestInstallVerified(t *testing.T) {
	srv := server(t)
	dir := filepath.Join(t.TempDir(), "data") // created by Install
	var progress bytes.Buffer
	res, err := Install(context.Background(), Spec{URL: srv.URL + "/file", SHA256: strings.ToUpper(sum(payload)), File: "x.csv"},
		dir, Options{Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "x.csv"))
	if !bytes.Equal(got, payload) || !res.Verified || res.Bytes != int64(len(payload)) || res.SHA256 != sum(payload) {
		t.Errorf("result %+v, content equal %v", res, bytes.Equal(got, payload))
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only x.csv", names)
	}
	if p := progress.String(); !strings.Contains(p, "100%") || !strings.Contains(p, "KiB / ") || !strings.Contains(p, "/s") {
		t.Errorf("progress line %q lacks bytes/total/percent/rate", p)
	}
	// Present already: refused without Force, replaced with it.
	if _, err := Install(context.Background(), Spec{URL: srv.URL + "/file", File: "x.csv"}, dir, Options{}); !errors.Is(err, ErrExists) {
		t.Errorf("second install: %v, want ErrExists", err)
	}
	if _, err := Install(context.Background(), Spec{URL: srv.URL + "/file", File: "x.csv"}, dir, Options{Force: true}); err != nil {
		t.Errorf("forced install: %v", err)
	}
}

func TestInstallUnknownChecksum(t *testing.T) {
	srv := server(t)
	dir := t.TempDir()
	res, err := Install(context.Background(), Spec{URL: srv.URL + "/file", File: "x.csv"}, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verified || res.SHA256 != sum(payload) {
		t.Errorf("unknown checksum: verified %v, digest %s want %s", res.Verified, res.SHA256, sum(payload))
	}
}

func TestInstallZipMember(t *testing.T) {
	srv := server(t)
	dir := t.TempDir()
	arch := zipped(t, "dir/sgemm_product.csv", payload)
	res, err := Install(context.Background(), Spec{URL: srv.URL + "/archive", SHA256: sum(arch), Member: "sgemm_product.csv", File: "sgemm_product.csv"}, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "sgemm_product.csv"))
	if !bytes.Equal(got, payload) || !res.Verified {
		t.Errorf("extracted %d bytes (want %d), verified %v", len(got), len(payload), res.Verified)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("archive left behind: %v", names)
	}
}

func TestInstallFailuresLeaveNothing(t *testing.T) {
	srv := server(t)
	cases := []struct {
		name    string
		spec    Spec
		is      error
		message string
	}{
		{"truncated", Spec{URL: srv.URL + "/short", File: "x.csv"}, ErrTruncated, "closed early"},
		{"closed early without length", Spec{URL: srv.URL + "/chunked", File: "x.csv"}, nil, "retry"},
		{"checksum mismatch", Spec{URL: srv.URL + "/file", SHA256: strings.Repeat("ab", 32), File: "x.csv"}, ErrChecksum, "got " + sum(payload)},
		{"not found", Spec{URL: srv.URL + "/missing", File: "x.csv"}, nil, "404"},
		{"zip without member", Spec{URL: srv.URL + "/archive", Member: "other.csv", File: "x.csv"}, nil, "no file named other.csv"},
		{"not a zip", Spec{URL: srv.URL + "/file", Member: "x.csv", File: "x.csv"}, nil, "not a readable zip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Install(context.Background(), c.spec, dir, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			if !strings.Contains(err.Error(), c.message) || !strings.Contains(err.Error(), "nothing was written") {
				t.Errorf("error %q lacks %q or says nothing about what was left", err, c.message)
			}
			if names := entries(t, dir); len(names) != 0 {
				t.Errorf("left behind: %v", names)
			}
		})
	}
}

func TestInstallCancelled(t *testing.T) {
	srv := server(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Install(ctx, Spec{URL: srv.URL + "/file", File: "x.csv"}, dir, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled install: %v", err)
	}
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
}
