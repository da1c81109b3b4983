// compose-check loads Compose files with the Compose specification's own loader (compose-go, the library
// `docker compose config` is built on), so a compose file is validated here without a Docker engine: the schema,
// interpolation, service references (depends_on, networks, volumes, secrets), ports and durations.
//
//	compose-check [--env-file FILE]... [--project-name NAME] FILE...
//
// Prints the loaded project as JSON on stdout (the model `docker compose config --format json` prints) and exits 0;
// prints the loader's error on stderr and exits 1 when a file is refused, 2 on bad usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

type repeated []string

func (r *repeated) String() string     { return fmt.Sprint(*r) }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	var envFiles repeated
	flag.Var(&envFiles, "env-file", "an env file for interpolation (repeatable; default: .env in the project folder)")
	name := flag.String("project-name", "", "the project name (default: the first file's folder name)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [--env-file FILE]... [--project-name NAME] FILE...")
		os.Exit(2)
	}
	opts := []cli.ProjectOptionsFn{cli.WithOsEnv}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...))
	}
	opts = append(opts, cli.WithDotEnv)
	if *name != "" {
		opts = append(opts, cli.WithName(*name))
	}
	options, err := cli.NewProjectOptions(flag.Args(), opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
		os.Exit(1)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
		os.Exit(1)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
