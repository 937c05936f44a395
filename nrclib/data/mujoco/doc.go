// Package mujoco simulates deepnrc's three MuJoCo behaviour-cloning tasks —
// Swimmer (8 states → 2 actions), Reacher (11 → 2) and Hopper (11 → 3) —
// with the MuJoCo physics engine, and makes the paper-style datasets from
// expert controllers: a linear policy on Swimmer and Hopper (found by
// Augmented Random Search over the simulator, see Search) and an
// inverse-kinematics PD controller on Reacher (its gains found the same
// way).
//
// The models are the project's own MJCF (models/*.xml), written from the
// published facts of Gymnasium's v4 environments: the same bodies, joints,
// ranges, gears, integrator, time step and viscous medium. Observations,
// rewards, resets, frame skips and the Hopper's healthy rule follow the v4
// environments; see Task for the one deliberate difference (Reacher's
// fingertip position is computed from the current joint angles).
//
// Simulation needs cgo and Debian's libmujoco (apt-get install
// libmujoco-dev, version 2.2.2) and the build tag mujoco:
//
//	go build -tags mujoco ./cmd/deepnrc
//
// Without the tag the package still compiles (cgo-free): the controllers,
// the stored policies and the CSV encoder work, and everything that steps
// the simulator returns ErrUnavailable, whose message says how to build
// with MuJoCo. Available reports which build this is.
//
// Generation is deterministic: Generate(task, seed, n) resets each episode
// from a PCG stream of the seed and runs the stored policy, so the same
// seed, library and machine give the same bytes.
package mujoco
