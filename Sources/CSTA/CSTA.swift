// Placeholder until the CSTA protocol target lands.
enum CSTAPlaceholder {}
