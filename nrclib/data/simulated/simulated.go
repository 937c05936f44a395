// Package simulated ships the MuJoCo datasets deepnrc made itself —
// Swimmer, Reacher and Hopper behaviour-cloning data from MuJoCo 2.2.2 and
// expert controllers (see package mujoco) — embedded in the binary, with
// their SHA-256 checksums and the commands that made them. It has no cgo
// and no dependencies, so every build of deepnrc carries the data.
//
// package data loads these files by default for swimmer, reacher and
// hopper (source "simulated"); regenerate one with the Command of its
// Entry in a build with the mujoco tag.
package simulated

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

//go:embed manifest.json *.csv
var files embed.FS

// Manifest describes the shipped files (manifest.json).
type Manifest struct {
	// Simulator names the physics engine and version, e.g. "MuJoCo 2.2.2".
	Simulator string `json:"simulator"`
	// Datasets lists one entry per file.
	Datasets []Entry `json:"datasets"`
}

// Entry describes one shipped dataset.
type Entry struct {
	// Name is the dataset name (swimmer, reacher, hopper).
	Name string `json:"name"`
	// File is the CSV's name in this package.
	File string `json:"file"`
	// Rows, StateDim and ActionDim give the CSV's shape: Rows lines of
	// StateDim state values then ActionDim action values, no header.
	Rows      int `json:"rows"`
	StateDim  int `json:"state_dim"`
	ActionDim int `json:"action_dim"`
	// Bytes and SHA256 identify the file's exact content.
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Seed seeded the episodes' initial states.
	Seed uint64 `json:"seed"`
	// Command regenerates the file bit for bit (in a build with the mujoco
	// tag, with the same MuJoCo library).
	Command string `json:"command"`
	// Simulator names the physics engine and version.
	Simulator string `json:"simulator"`
	// Controller says which expert acted, and PolicySHA256 identifies its
	// stored parameters.
	Controller   string `json:"controller"`
	PolicySHA256 string `json:"policy_sha256"`
	// Episodes is the number of episodes in the file; EpisodeReturns their
	// returns (the last one partial when the sample count cut it).
	Episodes       int       `json:"episodes"`
	EpisodeSteps   []int     `json:"episode_steps"`
	EpisodeReturns []float64 `json:"episode_returns"`
}

var manifest = mustManifest()

func mustManifest() Manifest {
	b, err := files.ReadFile("manifest.json")
	if err != nil {
		panic("simulated: manifest.json is not embedded: " + err.Error())
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		panic("simulated: manifest.json is not valid JSON: " + err.Error())
	}
	return m
}

// Simulator names the engine the shipped data came from ("MuJoCo 2.2.2").
func Simulator() string { return manifest.Simulator }

// Names lists the shipped datasets in name order.
func Names() []string {
	var n []string
	for _, e := range manifest.Datasets {
		n = append(n, e.Name)
	}
	sort.Strings(n)
	return n
}

// Lookup returns the entry of the dataset called name.
func Lookup(name string) (Entry, bool) {
	for _, e := range manifest.Datasets {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Data returns the CSV's bytes after checking them against the manifest's
// size and SHA-256.
func (e Entry) Data() ([]byte, error) {
	b, err := files.ReadFile(e.File)
	if err != nil {
		return nil, fmt.Errorf("simulated: %s: %w", e.File, err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != e.SHA256 || len(b) != e.Bytes {
		return nil, fmt.Errorf("simulated: %s has %d bytes with SHA-256 %s, but manifest.json records %d bytes with %s; regenerate it with %q",
			e.File, len(b), got, e.Bytes, e.SHA256, e.Command)
	}
	return b, nil
}

// ParseManifest decodes a manifest.json.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("simulated: manifest: %w", err)
	}
	return &m, nil
}

// Set adds e to the manifest, replacing the entry of the same name, and
// keeps the entries in name order.
func (m *Manifest) Set(e Entry) {
	for i := range m.Datasets {
		if m.Datasets[i].Name == e.Name {
			m.Datasets[i] = e
			return
		}
	}
	m.Datasets = append(m.Datasets, e)
	sort.Slice(m.Datasets, func(i, j int) bool { return m.Datasets[i].Name < m.Datasets[j].Name })
}

// Marshal encodes the manifest as indented JSON.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
