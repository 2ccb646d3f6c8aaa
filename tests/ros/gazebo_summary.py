"""Reads the Gazebo harness files and prints what tests/ros/gazebo-harness.test.ts checks, as JSON.

    /usr/bin/python3 tests/ros/gazebo_summary.py ROOT            # world, bridge, controllers, ros2_control
    /usr/bin/python3 tests/ros/gazebo_summary.py ROOT assemble   # sim/gazebo/franka_gz_description.py on a small robot

Standard library plus PyYAML (Debian's python3-yaml), so it runs in CI without ROS or Gazebo.
"""
import importlib.util
import json
import os
import sys
import xml.etree.ElementTree as ET

import yaml


def _floats(text):
    return [float(v) for v in (text or '').split()]


def _text(element, path):
    found = element.find(path)
    return None if found is None else found.text.strip()


def world_summary(path):
    world = ET.parse(path).getroot().find('world')
    models = {}
    for model in world.findall('model'):
        link = model.find('link')
        box = link.find('collision/geometry/box/size') if link is not None else None
        sensors = []
        for sensor in model.iter('sensor'):
            sensors.append({
                'type': sensor.get('type'),
                'topic': _text(sensor, 'topic'),
                'update_rate': float(_text(sensor, 'update_rate') or 0),
                'camera_info_topic': _text(sensor, 'camera/camera_info_topic'),
                'horizontal_fov': float(_text(sensor, 'camera/horizontal_fov') or 0),
                'width': int(_text(sensor, 'camera/image/width') or 0),
                'height': int(_text(sensor, 'camera/image/height') or 0),
                'format': _text(sensor, 'camera/image/format'),
            })
        pose_publisher = next((p for p in model.findall('plugin') if p.get('name') == 'gz::sim::systems::PosePublisher'), None)
        models[model.get('name')] = {
            'static': (_text(model, 'static') or 'false') == 'true',
            'pose': _floats(_text(model, 'pose')),
            'box': _floats(box.text) if box is not None else None,
            'mass': float(_text(link, 'inertial/mass')) if link is not None and link.find('inertial/mass') is not None else None,
            'ixx': float(_text(link, 'inertial/inertia/ixx')) if link is not None and link.find('inertial/inertia/ixx') is not None else None,
            'mu': float(_text(link, 'collision/surface/friction/ode/mu')) if link is not None and link.find('collision/surface/friction/ode/mu') is not None else None,
            'pose_publisher': None if pose_publisher is None else {child.tag: child.text.strip() for child in pose_publisher},
            'sensors': sensors,
        }
    return {
        'name': world.get('name'),
        'plugins': {p.get('name'): {child.tag: child.text.strip() for child in p} for p in world.findall('plugin')},
        'models': models,
    }


def ros2_control_summary(path, prefix):
    robot = ET.fromstring(open(path, encoding='utf-8').read().replace('@PREFIX@', prefix))
    control = robot.find('ros2_control')
    return {
        'plugin': _text(control, 'hardware/plugin'),
        'joints': {j.get('name'): [c.get('name') for c in j.findall('command_interface')] for j in control.findall('joint')},
        'initial': {j.get('name'): float(_text(j, "state_interface[@name='position']/param[@name='initial_value']")) for j in control.findall('joint')},
        'mimic': {j.get('name'): j.get('mimic') for j in control.findall('joint') if j.get('mimic') is not None},
        'gz_plugin': [p.get('name') for p in robot.iter('plugin') if p.get('filename') == 'gz_ros2_control-system'],
    }


SMALL_ROBOT = """<robot name="r" xmlns:xacro="http://www.ros.org/wiki/xacro">
  <link name="base"/>
  <joint name="base_joint" type="fixed"><parent link="base"/><child link="r_link0"/><origin xyz="0 0 0.1"/></joint>
  <link name="r_link0"><inertial><mass value="1"/></inertial></link>
  <joint name="r_joint1" type="revolute"><parent link="r_link0"/><child link="r_link1"/></joint>
  <link name="r_link1"><inertial><mass value="1"/></inertial></link>
  <ros2_control name="Old" type="system"><hardware><plugin>franka_ign_ros2_control/IgnitionSystem</plugin></hardware></ros2_control>
  <gazebo><plugin filename="franka_ign_ros2_control-system" name="ign_ros2_control::IgnitionROS2ControlPlugin"/></gazebo>
  <gazebo reference="r_link1"><mu1>1</mu1></gazebo>
</robot>"""
SMALL_FRAGMENT = """<robot name="f">
  <ros2_control name="GazeboSimSystem" type="system">
    <hardware><plugin>gz_ros2_control/GazeboSimSystem</plugin></hardware>
    <joint name="@PREFIX@joint1"><command_interface name="position"/></joint>
  </ros2_control>
  <gazebo><plugin filename="gz_ros2_control-system" name="gz_ros2_control::GazeboSimROS2ControlPlugin"><parameters>@CONTROLLERS@</parameters></plugin></gazebo>
</robot>"""


def assemble_summary(root):
    path = os.path.join(root, 'sim', 'gazebo', 'franka_gz_description.py')
    spec = importlib.util.spec_from_file_location('franka_gz_description', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    robot = ET.fromstring(module.assemble(SMALL_ROBOT, SMALL_FRAGMENT, 'r_', '/c.yaml'))
    try:
        module.assemble(SMALL_ROBOT, SMALL_FRAGMENT, 'fr3_', '/c.yaml')
        wrong_prefix = None
    except ValueError as error:
        wrong_prefix = str(error)
    return {
        'links': [link.get('name') for link in robot.findall('link')],
        'fixed_joints': {j.get('name'): [j.find('parent').get('link'), j.find('child').get('link'), (j.find('origin').get('xyz') if j.find('origin') is not None else None)]
                         for j in robot.findall('joint') if j.get('type') == 'fixed'},
        'hardware_plugins': [p.text for p in robot.iter('plugin') if p.text and p.text.strip()],
        'gazebo_plugins': [p.get('name') for p in robot.iter('plugin') if p.get('name')],
        'parameters': [p.text for p in robot.iter('parameters')],
        'gazebo_references': [g.get('reference') for g in robot.findall('gazebo') if g.get('reference')],
        'wrong_prefix_error': wrong_prefix,
    }


def main(root, mode='files'):
    if mode == 'assemble':
        return assemble_summary(root)
    gazebo = os.path.join(root, 'sim', 'gazebo')
    with open(os.path.join(gazebo, 'bridge.yaml'), encoding='utf-8') as f:
        bridge = yaml.safe_load(f)
    with open(os.path.join(gazebo, 'config', 'controllers.yaml'), encoding='utf-8') as f:
        controllers = yaml.safe_load(f)
    return {
        'world': world_summary(os.path.join(gazebo, 'worlds', 'tabletop.sdf')),
        'bridge': bridge,
        'controllers': controllers,
        'ros2_control': ros2_control_summary(os.path.join(gazebo, 'urdf', 'gz_ros2_control.urdf'), 'fr3_'),
    }


if __name__ == '__main__':
    print(json.dumps(main(*sys.argv[1:])))
