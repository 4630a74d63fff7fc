// Looking around by turning the phone: Photo Sphere Viewer's gyroscope plugin, offered only
// where the device can really tell its orientation.
import { GyroscopePlugin } from "@photo-sphere-viewer/gyroscope-plugin";

/**
 * The gyroscope plugin with a stricter "supported": desktop Chromium now has
 * `DeviceOrientationEvent.requestPermission` too (the plugin takes that as a yes), so where
 * orientation needs a permission the button shows only on touch devices; elsewhere the
 * plugin's own test stands (a real `deviceorientation` event with an angle).
 */
export class WalkGyroscopePlugin extends GyroscopePlugin {
  isSupported() {
    if (!this.walkSupport) {
      const asksPermission = typeof window.DeviceOrientationEvent?.requestPermission === "function";
      const touch = navigator.maxTouchPoints > 0 || window.matchMedia("(pointer: coarse)").matches;
      this.walkSupport = super.isSupported().then((supported) =>
        Boolean(supported) && (!asksPermission || touch));
    }
    return this.walkSupport;
  }
}
