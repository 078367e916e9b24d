package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// valueOfSize returns a value whose JSON member `"key":"value",` in PULUMI_CONFIG is n bytes.
func valueOfSize(key string, n int) string {
	return strings.Repeat("s", n-len(key)-6)
}

func TestConfigEnvPassesConfigUpToTheLimit(t *testing.T) {
	// {"k":"sss..."} with "PULUMI_CONFIG=" and the NUL is exactly maxArgStrlen.
	overhead := len(configEnvVar+"=") + len(`{"k":""}`) + 1
	value := strings.Repeat("s", maxArgStrlen-overhead)
	env, err := configEnv(map[string]string{"k": value})
	if err != nil {
		t.Fatalf("a config of exactly %d bytes was refused: %v", maxArgStrlen, err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(env, configEnvVar+"=")), &got); err != nil || got["k"] != value {
		t.Fatalf("PULUMI_CONFIG does not hold the config: %v", err)
	}
	if _, err := configEnv(map[string]string{"k": value + "s"}); err == nil {
		t.Fatalf("a config of %d bytes was accepted; execve would fail with E2BIG", maxArgStrlen+1)
	}
}

func TestConfigEnvHandsAStackWithoutConfigAnEmptyObject(t *testing.T) {
	env, err := configEnv(nil)
	if err != nil || env != configEnvVar+"={}" {
		t.Fatalf("configEnv(nil) = %q, %v; want %q", env, err, configEnvVar+"={}")
	}
}

func TestConfigEnvNamesTheValuesThatMakeItTooLongWithoutShowingAnyValue(t *testing.T) {
	secret := "TOPSECRET-" + valueOfSize("app:bundle", 100_000)[10:]
	config := map[string]string{
		"app:bundle":   secret,
		"app:certs":    valueOfSize("app:certs", 60_000),
		"app:replicas": "3",
		"app:other":    valueOfSize("app:other", 55_000),
		"app:small":    valueOfSize("app:small", 20_000),
	}
	_, err := configEnv(config)
	if err == nil {
		t.Fatal("a config of 235 KB was accepted")
	}
	msg := err.Error()
	for _, want := range []string{`"app:bundle" (100000 bytes), "app:certs" (60000 bytes)`, "PULUMI_CONFIG", "131072", "MAX_ARG_STRLEN"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	// Without the two largest the rest fits, so only those two are named.
	for _, not := range []string{"app:other", "app:small", "app:replicas", "TOPSECRET", "sss"} {
		if strings.Contains(msg, not) {
			t.Errorf("the error mentions %q:\n%s", not, msg)
		}
	}
}
