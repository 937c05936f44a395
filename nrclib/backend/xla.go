//go:build xla

package backend

import (
	xla "github.com/gomlx/gomlx/backends/xla" // registers "xla"; needs cgo
)

func init() {
	disableXLAAutoInstall = func() { xla.EnableAutoInstall(false) }
}
