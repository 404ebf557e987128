"""Scanner input: keyboard wedge, evdev, serial port, and the one barcode decoder."""
