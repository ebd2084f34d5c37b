import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useMediaStore } from '../state/mediaStore';

export function DevicePicker(props: {
  label: string;
  devices: MediaDeviceInfo[];
  value: string | null;
  onChange(deviceId: string): void;
}) {
  const { label, devices, value, onChange } = props;
  const id = `device-${label.toLowerCase().replace(/\s+/g, '-')}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? devices[0]?.deviceId ?? ''} disabled={devices.length === 0} onChange={(e) => onChange(e.target.value)}>
        {devices.length === 0 && <option value="">None found</option>}
        {devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </div>
  );
}

type DeviceKind = 'camera' | 'microphone' | 'speaker';

/**
 * The camera, microphone and speaker pickers, reading the devices themselves: the lobby and the room's
 * settings share them, and a room's render (a peer leaving, a switch) does not re-render them.
 */
export const DevicePickers = memo(function DevicePickers({ onSelect }: { onSelect(kind: DeviceKind, deviceId: string): void }) {
  const { devices, cameraId, microphoneId, speakerId } = useMediaStore(useShallow(({ devices, cameraId, microphoneId, speakerId }) => ({ devices, cameraId, microphoneId, speakerId })));
  return (
    <>
      <DevicePicker label="Camera" devices={devices.cameras} value={cameraId} onChange={(id) => onSelect('camera', id)} />
      <DevicePicker label="Microphone" devices={devices.microphones} value={microphoneId} onChange={(id) => onSelect('microphone', id)} />
      <DevicePicker label="Speaker" devices={devices.speakers} value={speakerId} onChange={(id) => onSelect('speaker', id)} />
    </>
  );
});
