// Placeholder until the ESPA-X listener lands.
enum ESPAXServerPlaceholder {}
