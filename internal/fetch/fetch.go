// Package fetch downloads dataset files: it streams a URL into a temporary
// file next to the destination while hashing it with SHA-256 and drawing a
// progress line, checks the length and the checksum, optionally extracts one
// member of a zip archive, and only then renames the result into place. A
// failed or interrupted download leaves nothing behind.
package fetch

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Spec says what to download and where to put it.
type Spec struct {
	// URL is the address to download.
	URL string
	// SHA256 is the expected hex SHA-256 of the downloaded bytes; "" means
	// unknown (the download is then not verified, and Result says so).
	SHA256 string
	// Member, when not empty, names the file to extract from the downloaded
	// zip archive (matched by its base name anywhere in the archive).
	Member string
	// File is the destination path relative to the target directory.
	File string
}

// Options tune Install.
type Options struct {
	// Client is the HTTP client; nil means http.DefaultClient.
	Client *http.Client
	// Progress receives the progress line (carriage-return updates, one final
	// newline); nil means no progress output.
	Progress io.Writer
	// Force replaces a destination file that already exists; without it
	// Install returns ErrExists.
	Force bool
}

// Result reports a finished install.
type Result struct {
	// Path is the installed file.
	Path string
	// Bytes is the size of the download.
	Bytes int64
	// SHA256 is the hex SHA-256 of the downloaded bytes.
	SHA256 string
	// Verified is true when SHA256 matched Spec.SHA256, false when no
	// expected checksum was given.
	Verified bool
}

// Errors Install can return, for errors.Is.
var (
	// ErrExists: the destination is already there (use Options.Force).
	ErrExists = errors.New("destination already exists")
	// ErrTruncated: the server sent fewer bytes than announced or closed
	// the connection early.
	ErrTruncated = errors.New("download truncated")
	// ErrChecksum: the SHA-256 of the download did not match.
	ErrChecksum = errors.New("SHA-256 mismatch")
)

// Install downloads spec.URL into dir/spec.File (extracting spec.Member
// when set), creating dir if needed. The bytes go to a temporary file in
// dir; the destination appears only after the length and checksum checks
// (and the extraction) succeed, by an atomic rename. On any error the
// temporary files are removed and the destination is untouched.
func Install(ctx context.Context, spec Spec, dir string, opt Options) (Result, error) {
	if spec.URL == "" || spec.File == "" {
		return Result{}, fmt.Errorf("fetch: spec needs a URL and a destination file, got %+v", spec)
	}
	dest := filepath.Join(dir, spec.File)
	if _, err := os.Stat(dest); err == nil && !opt.Force {
		return Result{Path: dest}, fmt.Errorf("%s: %w; delete it or pass -force (Options.Force) to download again", dest, ErrExists)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return Result{}, fmt.Errorf("fetch: cannot create the data directory: %w", err)
	}
	dl, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(spec.File)+".download-*")
	if err != nil {
		return Result{}, fmt.Errorf("fetch: cannot create a temporary file next to %s: %w", dest, err)
	}
	dlPath := dl.Name()
	defer os.Remove(dlPath) // no-op once renamed
	res, err := download(ctx, spec.URL, dl, opt)
	if cerr := dl.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return Result{}, fmt.Errorf("%w; nothing was written to %s", err, dest)
	}
	if spec.SHA256 != "" {
		if !strings.EqualFold(spec.SHA256, res.SHA256) {
			return Result{}, fmt.Errorf("fetch %s: %w: got %s, want %s; nothing was written to %s. "+
				"Retry (the transfer may be corrupt); if the source has changed, check the new file and update the recorded checksum",
				spec.URL, ErrChecksum, res.SHA256, spec.SHA256, dest)
		}
		res.Verified = true
	}
	if spec.Member == "" {
		if err := os.Rename(dlPath, dest); err != nil {
			return Result{}, fmt.Errorf("fetch: cannot move the download into place: %w", err)
		}
	} else if err := extractMember(dlPath, spec.Member, dest); err != nil {
		return Result{}, fmt.Errorf("fetch %s: %w; nothing was written to %s", spec.URL, err, dest)
	}
	res.Path = dest
	return res, nil
}

// download streams url into f, hashing and counting the bytes.
func download(ctx context.Context, url string, f *os.File, opt Options) (Result, error) {
	client := opt.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Result{}, fmt.Errorf("fetch: bad URL %q: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("fetch %s: %w (check the network connection, or download the file by hand)", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Result{}, fmt.Errorf("fetch %s: server answered %s (the URL may have moved; download the file by hand)", url, resp.Status)
	}
	h := sha256.New()
	bar := newProgress(opt.Progress, resp.ContentLength)
	n, err := io.Copy(io.MultiWriter(f, h, bar), resp.Body)
	bar.done()
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Result{}, fmt.Errorf("fetch %s: %w after %d of %s bytes (connection closed early); retry", url, ErrTruncated, n, total(resp.ContentLength))
		}
		return Result{}, fmt.Errorf("fetch %s: after %d bytes: %w; retry", url, n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return Result{}, fmt.Errorf("fetch %s: %w: got %d of %d bytes; retry", url, ErrTruncated, n, resp.ContentLength)
	}
	if err := f.Sync(); err != nil {
		return Result{}, fmt.Errorf("fetch: cannot flush the download to disk: %w", err)
	}
	return Result{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func total(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return fmt.Sprint(n)
}

// extractMember copies the zip member whose base name is member into dest,
// through a temporary file and an atomic rename.
func extractMember(zipPath, member, dest string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return fmt.Errorf("the download is not a readable zip archive: %w", err)
	}
	defer zr.Close()
	var names []string
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		if path.Base(zf.Name) != member || strings.HasSuffix(zf.Name, "/") {
			continue
		}
		src, err := zf.Open()
		if err != nil {
			return fmt.Errorf("cannot open %s in the archive: %w", zf.Name, err)
		}
		defer src.Close()
		tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".extract-*")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		if _, err := io.Copy(tmp, src); err != nil { // zip checks the member's CRC-32 at EOF
			tmp.Close()
			return fmt.Errorf("extracting %s: %w", zf.Name, err)
		}
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		return os.Rename(tmp.Name(), dest)
	}
	return fmt.Errorf("the archive has no file named %s (it holds %s); the source layout may have changed",
		member, strings.Join(names, ", "))
}

// progress draws "  3.1 MiB / 10.0 MiB  31%  2.4 MiB/s" on one line,
// at most every 200 ms.
type progress struct {
	w     io.Writer
	total int64
	n     int64
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, total int64) *progress {
	now := time.Now()
	return &progress{w: w, total: total, start: now}
}

// Write counts bytes and redraws the line when due.
func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.w != nil && time.Since(p.last) >= 200*time.Millisecond {
		p.draw()
	}
	return len(b), nil
}

func (p *progress) draw() {
	p.last = time.Now()
	rate := float64(p.n) / max(time.Since(p.start).Seconds(), 1e-3)
	if p.total > 0 {
		fmt.Fprintf(p.w, "\r  %s / %s  %3.0f%%  %s/s ", mib(float64(p.n)), mib(float64(p.total)),
			100*float64(p.n)/float64(p.total), mib(rate))
	} else {
		fmt.Fprintf(p.w, "\r  %s  %s/s ", mib(float64(p.n)), mib(rate))
	}
}

// done draws the final state and ends the line.
func (p *progress) done() {
	if p.w == nil {
		return
	}
	p.draw()
	fmt.Fprintln(p.w)
}

func mib(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}
