//go:build !unix

package npy

import "errors"

const canMkfifo = false

func mkfifo(string) error { return errors.New("named pipes are not supported") }
