//go:build mujoco && cgo

package mujoco

/*
#cgo LDFLAGS: -lmujoco
#include <stdlib.h>
#include <string.h>
#include <mujoco/mujoco.h>

// dnrc_load compiles an MJCF model held in memory, through a virtual file
// system of one file, and allocates its data. It returns NULL and fills err
// on failure.
static mjModel* dnrc_load(const char* xml, int len, char* err, int errsz) {
	mjVFS* vfs = (mjVFS*)malloc(sizeof(mjVFS));
	if (!vfs) {
		strncpy(err, "out of memory for the MuJoCo virtual file system", errsz - 1);
		return NULL;
	}
	mj_defaultVFS(vfs);
	if (mj_makeEmptyFileVFS(vfs, "model.xml", len) != 0) {
		free(vfs);
		strncpy(err, "cannot add the model to the MuJoCo virtual file system", errsz - 1);
		return NULL;
	}
	int i = mj_findFileVFS(vfs, "model.xml");
	memcpy(vfs->filedata[i], xml, len);
	mjModel* m = mj_loadXML("model.xml", vfs, err, errsz);
	mj_deleteVFS(vfs);
	free(vfs);
	return m;
}

static void dnrc_step(const mjModel* m, mjData* d, int n) {
	for (int i = 0; i < n; i++) mj_step(m, d);
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Version is the MuJoCo library version this binary links, e.g. "2.2.2".
func Version() string { return C.GoString(C.mj_versionString()) }

// Available reports whether this build can simulate (it was built with the
// mujoco tag and cgo).
func Available() bool { return true }

// sim is one compiled model and its simulation state in libmujoco.
type sim struct {
	m *C.mjModel
	d *C.mjData
	// qpos, qvel and ctrl view mjData's arrays (C memory, fixed for the
	// life of d).
	qpos, qvel, ctrl []float64
	xpos             []float64
}

// openPhysics compiles the MJCF document xml.
func openPhysics(xml []byte) (physics, error) {
	if len(xml) == 0 {
		return nil, fmt.Errorf("mujoco: empty model")
	}
	cxml := C.CBytes(xml)
	defer C.free(cxml)
	var errbuf [1000]C.char
	m := C.dnrc_load((*C.char)(cxml), C.int(len(xml)), &errbuf[0], C.int(len(errbuf)))
	if m == nil {
		return nil, fmt.Errorf("mujoco: compiling the model: %s", C.GoString(&errbuf[0]))
	}
	d := C.mj_makeData(m)
	if d == nil {
		C.mj_deleteModel(m)
		return nil, fmt.Errorf("mujoco: out of memory for the model's data")
	}
	s := &sim{m: m, d: d,
		qpos: unsafe.Slice((*float64)(unsafe.Pointer(d.qpos)), int(m.nq)),
		qvel: unsafe.Slice((*float64)(unsafe.Pointer(d.qvel)), int(m.nv)),
		ctrl: unsafe.Slice((*float64)(unsafe.Pointer(d.ctrl)), int(m.nu)),
		xpos: unsafe.Slice((*float64)(unsafe.Pointer(d.xpos)), 3*int(m.nbody)),
	}
	runtime.SetFinalizer(s, (*sim).close)
	return s, nil
}

func (s *sim) close() {
	if s.d != nil {
		C.mj_deleteData(s.d)
		C.mj_deleteModel(s.m)
		s.d, s.m = nil, nil
	}
}

func (s *sim) QPos() []float64   { return s.qpos }
func (s *sim) QVel() []float64   { return s.qvel }
func (s *sim) Ctrl() []float64   { return s.ctrl }
func (s *sim) Timestep() float64 { return float64(s.m.opt.timestep) }

func (s *sim) Reset() { C.mj_resetData(s.m, s.d) }

func (s *sim) Step(n int) {
	C.dnrc_step(s.m, s.d, C.int(n))
	runtime.KeepAlive(s)
}

func (s *sim) Forward() {
	C.mj_forward(s.m, s.d)
	runtime.KeepAlive(s)
}

func (s *sim) Kinematics() {
	C.mj_kinematics(s.m, s.d)
	runtime.KeepAlive(s)
}

func (s *sim) BodyID(name string) int {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	return int(C.mj_name2id(s.m, C.mjOBJ_BODY, cn))
}

func (s *sim) BodyPos(id int) [3]float64 {
	return [3]float64{s.xpos[3*id], s.xpos[3*id+1], s.xpos[3*id+2]}
}
