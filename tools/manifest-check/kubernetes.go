package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// checkKubernetes decodes every document of a multi-document YAML stream strictly into the typed
// object of its kind and version; empty documents (helm leaves some) are skipped.
func checkKubernetes(input []byte) (int, []string) {
	strict := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(input)))
	var problems []string
	checked := 0
	for index := 1; ; index++ {
		document, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return checked, append(problems, fmt.Sprintf("document %d: %v", index, err))
		}
		if isEmpty(document) {
			continue
		}
		asJSON, err := yaml.YAMLToJSONStrict(document)
		if err != nil {
			problems = append(problems, fmt.Sprintf("document %d (%s): %v", index, describe(document), err))
			continue
		}
		if _, _, err := strict.Decode(asJSON, nil, nil); err != nil {
			problems = append(problems, fmt.Sprintf("document %d (%s): %v", index, describe(document), err))
			continue
		}
		checked++
	}
	return checked, problems
}

func isEmpty(document []byte) bool {
	for _, line := range strings.Split(string(document), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") && trimmed != "---" {
			return false
		}
	}
	return true
}

// describe names a document by its kind and metadata.name, for the problem lines.
func describe(document []byte) string {
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(document, &head); err != nil || head.Kind == "" {
		return "unnamed"
	}
	return head.Kind + "/" + head.Metadata.Name
}
