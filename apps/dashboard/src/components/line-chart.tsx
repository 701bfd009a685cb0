import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: Array<number | null>;
  color: string;
}

/**
 * A line chart (uPlot) over days or instants (seconds); `onPick` receives the x of a click, for picking dates.
 * Resizes with its container.
 */
export function LineChart(props: {
  x: number[];
  series: Series[];
  height?: number;
  yRange?: [number, number];
  /** x as instants in seconds (the default), or plain numbers. */
  time?: boolean;
  onPick?: (x: number) => void;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const pick = useRef(props.onPick);
  pick.current = props.onPick;
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const plot = new uPlot(
      {
        width: element.clientWidth || 600,
        height: props.height ?? 220,
        scales: { x: { time: props.time ?? true }, ...(props.yRange ? { y: { range: props.yRange } } : {}) },
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
        axes: [{}, { size: 50 }],
        cursor: { drag: { x: false, y: false } },
        hooks: {
          ready: [
            (u) =>
              u.over.addEventListener('click', () => {
                const index = u.cursor.idx;
                if (index !== null && index !== undefined) pick.current?.(u.data[0][index]);
              }),
          ],
        },
      },
      [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: props.height ?? 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.x, props.series, props.height, props.yRange, props.time]);
  return <div ref={host} class="chart" role="img" aria-label={props.label} />;
}
