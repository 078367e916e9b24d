package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// maxArgStrlen is Linux's MAX_ARG_STRLEN (32 pages of 4 KiB): execve fails with E2BIG ("argument
// list too long") when any single argument or environment string, counted with its terminating
// NUL, is longer. The stack's whole config reaches the program as one such string,
// PULUMI_CONFIG=<JSON object>, so one large value (or many together) hits it.
const maxArgStrlen = 131072

// configEnvVar is the environment variable the Node.js SDK reads the stack's config from.
const configEnvVar = "PULUMI_CONFIG"

// configEnv returns the PULUMI_CONFIG=<JSON> string for config, or an error naming the keys
// whose values make it too long for execve (only names and sizes: values may be secrets).
func configEnv(config map[string]string) (string, error) {
	if config == nil {
		// A stack without config must still hand the runner an object, never null.
		config = map[string]string{}
	}
	raw, err := json.Marshal(config)
	if err != nil {
		return "", err
	}
	env := configEnvVar + "=" + string(raw)
	if len(env)+1 <= maxArgStrlen {
		return env, nil
	}
	return "", configTooLarge(config, len(env)+1)
}

// configTooLarge names the largest values, biggest first, until leaving them out would make the
// string fit: those are the ones to shrink or move out of config.
func configTooLarge(config map[string]string, size int) error {
	type entry struct {
		key  string
		size int
	}
	entries := make([]entry, 0, len(config))
	for k, v := range config {
		entries = append(entries, entry{k, jsonMemberSize(k, v)})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].size != entries[j].size {
			return entries[i].size > entries[j].size
		}
		return entries[i].key < entries[j].key
	})
	var named []string
	rest := size
	for _, e := range entries {
		if rest <= maxArgStrlen {
			break
		}
		named = append(named, fmt.Sprintf("%q (%d bytes)", e.key, e.size))
		rest -= e.size
	}
	return fmt.Errorf("the stack's config is too large to hand to the Node.js program: it is passed "+
		"in one environment variable, %s, of %d bytes, and Linux allows at most %d bytes "+
		"(MAX_ARG_STRLEN) for one variable; the values that make it too long, largest first, "+
		"with their size as JSON: %s. Make them smaller "+
		"(for example, keep large data in a file the program reads and put its path in config)",
		configEnvVar, size, maxArgStrlen, strings.Join(named, ", "))
}

// jsonMemberSize is the length of `"key":"value",` in the JSON object.
func jsonMemberSize(k, v string) int {
	kj, _ := json.Marshal(k)
	vj, _ := json.Marshal(v)
	return len(kj) + 1 + len(vj) + 1
}
