// Placeholder until the Serial target lands.
enum SerialPlaceholder {}
