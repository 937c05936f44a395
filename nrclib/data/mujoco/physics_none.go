//go:build !mujoco || !cgo

package mujoco

// Version is the MuJoCo library version this binary links; "" in a build
// without the mujoco tag.
func Version() string { return "" }

// Available reports whether this build can simulate: false, as it was
// built without the mujoco tag (or without cgo).
func Available() bool { return false }

func openPhysics([]byte) (physics, error) { return nil, ErrUnavailable }
