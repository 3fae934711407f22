// manifest-check validates deployment files offline, strictly, as the real tools would read them:
//
//	manifest-check k8s [FILE]      every YAML document (from FILE or stdin, e.g. `helm template`)
//	                               decoded with client-go's scheme in strict mode: an unknown kind,
//	                               an unknown or duplicate field or a wrong type fails.
//	manifest-check compose FILE    a Compose file loaded and validated by compose-go, the library
//	                               `docker compose config` is built on.
//
// kubeconform and kubeval fetch their schemas from the internet at run time; this reads nothing
// but its input. Exit status 1 with one line per problem when anything is wrong.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: manifest-check k8s [FILE] | manifest-check compose FILE")
		os.Exit(2)
	}
	var problems []string
	var err error
	switch os.Args[1] {
	case "k8s":
		var input []byte
		if len(os.Args) > 2 {
			input, err = os.ReadFile(os.Args[2])
		} else {
			input, err = io.ReadAll(os.Stdin)
		}
		if err == nil {
			var checked int
			checked, problems = checkKubernetes(input)
			if len(problems) == 0 {
				fmt.Printf("k8s: %d objects valid\n", checked)
			}
		}
	case "compose":
		if len(os.Args) < 3 {
			err = fmt.Errorf("compose needs the file")
		} else {
			var services int
			services, problems, err = checkCompose(os.Args[2])
			if err == nil && len(problems) == 0 {
				fmt.Printf("compose: %d services valid\n", services)
			}
		}
	default:
		err = fmt.Errorf("unknown check %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "manifest-check:", err)
		os.Exit(2)
	}
	for _, problem := range problems {
		fmt.Fprintln(os.Stderr, problem)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}
