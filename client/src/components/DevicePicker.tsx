import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import { useMediaStore } from '../state/mediaStore';
import type { MediaKind } from '../media/mediaTypes';

export function DevicePicker(props: {
  kind: DeviceKind;
  label: string;
  devices: MediaDeviceInfo[];
  value: string | null;
  onChange(deviceId: string): void;
}) {
  const { kind, label, devices, value, onChange } = props;
  const { t } = useTranslation();
  const id = `device-${kind}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? devices[0]?.deviceId ?? ''} disabled={devices.length === 0} onChange={(e) => onChange(e.target.value)}>
        {devices.length === 0 && <option value="">{t('devices.noneFound')}</option>}
        {devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || t('devices.numbered', { kind: label, n: i + 1 })}
          </option>
        ))}
      </select>
    </div>
  );
}

type DeviceKind = 'camera' | 'microphone' | 'speaker';

export interface DeviceActions {
  selectDevice(kind: DeviceKind, deviceId: string): void;
  /** RNNoise instead of the browser's own noise suppression (audio); background blur (video). */
  setFilter(kind: MediaKind, on: boolean): void;
}

/**
 * The camera, microphone and speaker pickers, reading the devices themselves: the lobby and the room's
 * settings share them, and a room's render (a peer leaving, a switch) does not re-render them.
 */
export const DevicePickers = memo(function DevicePickers({ actions }: { actions: DeviceActions }) {
  const { t } = useTranslation();
  const { devices, cameraId, microphoneId, speakerId } = useMediaStore(useShallow(({ devices, cameraId, microphoneId, speakerId }) => ({ devices, cameraId, microphoneId, speakerId })));
  const onSelect = actions.selectDevice;
  return (
    <>
      <DevicePicker kind="camera" label={t('devices.camera')} devices={devices.cameras} value={cameraId} onChange={(id) => onSelect('camera', id)} />
      <DevicePicker kind="microphone" label={t('devices.microphone')} devices={devices.microphones} value={microphoneId} onChange={(id) => onSelect('microphone', id)} />
      <DevicePicker kind="speaker" label={t('devices.speaker')} devices={devices.speakers} value={speakerId} onChange={(id) => onSelect('speaker', id)} />
      <FilterToggle kind="audio" onChange={actions.setFilter} />
      <FilterToggle kind="video" onChange={actions.setFilter} />
    </>
  );
});

const FILTER_TEXT = {
  audio: { label: 'devices.noiseFilter', hint: 'devices.noiseFilterHint' },
  video: { label: 'devices.backgroundBlur', hint: 'devices.backgroundBlurHint' },
} as const;

/** A filter on or off; says so when the browser cannot run it and what is sent instead. */
function FilterToggle({ kind, onChange }: { kind: MediaKind; onChange(kind: MediaKind, on: boolean): void }) {
  const { t } = useTranslation();
  const { on, error } = useMediaStore(useShallow(({ filters, filterErrors }) => ({ on: filters[kind], error: filterErrors[kind] })));
  return (
    <div className="field">
      <label title={t(FILTER_TEXT[kind].hint)}>
        <input type="checkbox" checked={on} onChange={(e) => onChange(kind, e.target.checked)} /> {t(FILTER_TEXT[kind].label)}
      </label>
      {error && (
        <p className="device-error" role="status" data-testid={`filter-error-${kind}`}>
          {error}
        </p>
      )}
    </div>
  );
}
