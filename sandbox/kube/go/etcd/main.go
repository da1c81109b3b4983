// Command etcd is etcd's server entry point built from the published go.etcd.io/etcd/server/v3 module,
// so the sandbox gets etcd 3.6 from the Go module proxy (Debian ships 3.4, too old for Kubernetes 1.34).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
