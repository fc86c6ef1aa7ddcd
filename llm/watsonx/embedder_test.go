package watsonx

import "github.com/kgas-dev/kgas/llm"

var _ llm.Embedder = (*Embedder)(nil)
