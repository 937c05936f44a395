package simulated

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// The embedded files are the files on disk, and both match the manifest's
// size and SHA-256, computed here independently of Entry.Data.
func TestShippedFilesMatchTheirChecksums(t *testing.T) {
	if Simulator() != "MuJoCo 2.2.2" {
		t.Errorf("simulator %q", Simulator())
	}
	if got := strings.Join(Names(), " "); got != "hopper reacher swimmer" {
		t.Fatalf("shipped %q, want hopper reacher swimmer", got)
	}
	for _, name := range Names() {
		e, _ := Lookup(name)
		disk, err := os.ReadFile(e.File)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(disk)
		if hex.EncodeToString(sum[:]) != e.SHA256 || len(disk) != e.Bytes {
			t.Errorf("%s: %d bytes with SHA-256 %x; manifest: %d bytes, %s", e.File, len(disk), sum, e.Bytes, e.SHA256)
		}
		b, err := e.Data()
		if err != nil || !bytes.Equal(b, disk) {
			t.Errorf("%s: embedded copy differs from the file (%v)", e.File, err)
		}
		lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
		if len(lines) != e.Rows {
			t.Errorf("%s: %d lines, manifest says %d", e.File, len(lines), e.Rows)
		}
		if c := bytes.Count(lines[0], []byte(",")) + 1; c != e.StateDim+e.ActionDim {
			t.Errorf("%s: %d columns, want %d + %d", e.File, c, e.StateDim, e.ActionDim)
		}
		if e.Simulator != Simulator() {
			t.Errorf("%s: simulator %q differs from the manifest's %q", name, e.Simulator, Simulator())
		}
	}
	if _, ok := Lookup("ant"); ok {
		t.Error("Lookup found a dataset that is not shipped")
	}
}

func TestDataRejectsAlteredChecksum(t *testing.T) {
	e, _ := Lookup("reacher")
	e.SHA256 = strings.Repeat("0", 64)
	if _, err := e.Data(); err == nil || !strings.Contains(err.Error(), "regenerate it with") {
		t.Errorf("a wrong checksum was accepted: %v", err)
	}
}

func TestManifestSetReplacesByName(t *testing.T) {
	m := &Manifest{}
	m.Set(Entry{Name: "swimmer", Rows: 1})
	m.Set(Entry{Name: "hopper", Rows: 2})
	m.Set(Entry{Name: "swimmer", Rows: 3})
	if len(m.Datasets) != 2 || m.Datasets[0].Name != "hopper" || m.Datasets[1].Rows != 3 {
		t.Errorf("manifest after Set: %+v", m.Datasets)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseManifest(b)
	if err != nil || len(again.Datasets) != 2 {
		t.Errorf("round trip: %v", err)
	}
}
