package testenv

import (
	"os"
	"testing"

	"github.com/deepnrc/deepnrc/nrclib/backend"
)

func TestBackendIsTheProjectDefault(t *testing.T) {
	t.Setenv(backend.EnvConfig, "")
	b, err := Backend()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if os.Getenv(backend.EnvNoAutoInstall) != "1" {
		t.Error("GOMLX_NO_AUTO_INSTALL not set")
	}
	want := backend.DefaultConfig
	if RaceEnabled {
		want = SequentialConfig
	}
	if got := backend.Config(); got != want {
		t.Errorf("config %q, want %q", got, want)
	}
}
