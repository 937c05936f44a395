// Package jupyterdeps names the Debian/Ubuntu packages that provide Jupyter
// for deepnrc's notebooks: the GoNB kernel's host (jupyter-client,
// python3-ipykernel, the notebook server) and headless execution
// (python3-nbclient, jupyter-nbconvert). There is no PyPI access, so these
// distribution packages are the one way to get them.
//
// The kernel installer, `deepnrc doctor` and the notebook runner print
// AptPackages in their advice; scripts/install-deps.sh and docker/Dockerfile
// install them (a test checks that both list every one).
package jupyterdeps

import "strings"

// AptPackages is the space-separated list, ready for
// `apt-get install --no-install-recommends`.
const AptPackages = "jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client"

// List returns the packages one by one.
func List() []string { return strings.Fields(AptPackages) }
