//go:build !mujoco || !cgo

package main

import (
	"strings"
	"testing"
)

func TestDataGenerateNeedsMuJoCoBuild(t *testing.T) {
	for _, sub := range []string{"generate", "search-policy", "evaluate"} {
		code, _, errOut := runArgs(t, "data", sub, "swimmer")
		if code != 1 || !strings.Contains(errOut, "built without MuJoCo") || !strings.Contains(errOut, "go build -tags mujoco") ||
			!strings.Contains(errOut, "libmujoco-dev") {
			t.Errorf("data %s without MuJoCo: exit %d, %s", sub, code, errOut)
		}
	}
	if code, _, errOut := runArgs(t, "data", "generate", "ant"); code != 1 || !strings.Contains(errOut, "unknown task") {
		t.Errorf("generate ant: exit %d, %s", code, errOut)
	}
}
