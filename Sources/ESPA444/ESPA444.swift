// Placeholder until the ESPA444 protocol target lands.
enum ESPA444Placeholder {}
