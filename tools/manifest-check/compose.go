package main

import (
	"context"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

// checkCompose loads a Compose file as `docker compose config` does: the compose-spec schema
// (unknown keys refused), interpolation, and the model's own checks (depends_on names, volumes,
// networks). A problem is returned as the one error compose-go reports.
func checkCompose(path string) (int, []string, error) {
	absolute, err := filepath.Abs(path)
	if err != nil {
		return 0, nil, err
	}
	options, err := cli.NewProjectOptions(
		[]string{absolute},
		cli.WithWorkingDirectory(filepath.Dir(absolute)),
		cli.WithName("whatsapp"),
		cli.WithOsEnv,
		cli.WithConsistency(true),
	)
	if err != nil {
		return 0, nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return 0, []string{"compose: " + err.Error()}, nil
	}
	return len(project.Services), nil, nil
}
