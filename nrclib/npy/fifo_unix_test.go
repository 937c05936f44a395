//go:build unix

package npy

import "syscall"

const canMkfifo = true

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
